"""Classification page (AppTest): the default classifiers on the digits with real accuracies, the bundled
MNIST, Fashion-MNIST subsampled (or the message that says how to install it), the Book figures tab, the
sweep and the export snippet, and no TensorFlow until the CNN trains."""
import contextlib
import io

import pytest

from core.classify import datasets
from tests.pages.helpers import errors, heavy_imports, open_page, open_tab

PAGE = "pages/classification.py"


def _results(at):
    return next(d.value for d in at.dataframe if "macro F1" in d.value.columns)


def test_default_page_compares_three_classifiers_on_the_digits():
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    table = _results(at)
    assert list(table["method"]) == ["Gaussian naive Bayes", "Linear classifier (SGD, modified Huber)",
                                     "Random forest"]
    assert table["accuracy"].min() >= 0.85 and table.set_index("method").loc["Random forest", "accuracy"] >= 0.95
    per_class = next(d.value for d in at.dataframe if "recall" in d.value.columns)
    assert list(per_class["class"]) == [str(d) for d in range(10)] and per_class["support"].sum() == 450
    assert any("Misclassified by Gaussian naive Bayes" in c for c in (m.value for m in at.markdown))
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert sum(" → " in c for c in captions) == 24  # the gallery of mistakes, "predicted → true"
    at.toggle(key="cls.results.normalise").set_value(False).run()
    assert not at.exception


def test_mnist_and_the_book_figures_tab():
    at = open_page(PAGE, {"cls.data": "MNIST", "cls.methods": ["Gaussian naive Bayes", "k nearest neighbours"]})
    assert not at.exception, at.exception
    assert any("5,000 MNIST digits" in c.value for c in at.caption)
    table = _results(at)
    assert table.set_index("method").loc["k nearest neighbours", "accuracy"] >= 0.9
    open_tab(at, "cls.tab", "Book figures")
    book = next(d.value for d in at.dataframe if "book" in d.value.columns and "model" in d.value.columns)
    assert list(book["book"]) == [0.6715, 0.7958, 0.8751, 0.9030]


def test_fashion_mnist_subsampled_or_how_to_get_it(monkeypatch, tmp_path):
    if datasets.fashion_available():
        at = open_page(PAGE, {"cls.data": "Fashion-MNIST", "cls.train_size.fashion-mnist": "1000",
                              "cls.methods": ["Gaussian naive Bayes"]})
        assert not at.exception, at.exception
        table = _results(at)
        assert 0.5 <= table["accuracy"].iloc[0] <= 0.8  # naive Bayes on garments (the book: 0.6715 on 60,000)
        assert any("Training 1,000 images, test 10,000" in c.value for c in at.caption)
    monkeypatch.setattr(datasets, "FASHION_DIR", tmp_path)
    at = open_page(PAGE, {"cls.data": "Fashion-MNIST"})
    assert not at.exception
    assert any("apt-get install dataset-fashion-mnist" in i.value for i in at.info)


def test_sweep_and_export_snippet_reproduce_the_scores():
    at = open_page(PAGE, {"cls.methods": ["Gaussian naive Bayes"]})
    open_tab(at, "cls.tab", "Sweep").button(key="cls.sweep.run").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Best accuracy") for s in at.success), [s.value for s in at.success]
    open_tab(at, "cls.tab", "Export")
    snippet = next(c.value for c in at.code if "datasets.digits(" in c.value and "naive_bayes" in c.value)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "<export>", "exec"), {})
    assert "accuracy" in printed.getvalue(), printed.getvalue()


def test_page_does_not_load_tensorflow():
    assert not heavy_imports(PAGE) & {"tensorflow", "keras"}
