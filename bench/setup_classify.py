"""The classify task on a real data set: `python -m bench classify --dataset digits|mnist|fashion-mnist|PATH.zip
[--train-size N] [--seed S]`. The data set is one case (its training and test splits); every record names it."""
from __future__ import annotations

import argparse

from bench.cases import Case, ImageSetup
from core.registry import CLASSIFY


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="digits", metavar="NAME|PATH.zip",
                        help="digits (scikit-learn's bundled 8×8, the default), mnist (the bundled 5,000 28×28), "
                             "fashion-mnist (60,000 / 10,000, from Debian's dataset-fashion-mnist) or the path of a "
                             ".zip with one folder of images per class")
    parser.add_argument("--train-size", type=int, default=0, metavar="N",
                        help="train on a stratified, seeded subsample of N training images (default: all)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the train / test split (digits, mnist, zips) and of the subsample (default: 0)")


def dataset_cases(args: argparse.Namespace) -> list[Case]:
    """The one case of a `--dataset` run (ValueError with a sentence when the data set can't be had)."""
    from core.classify import datasets

    if args.train_size < 0:
        raise ValueError(f"--train-size must be 0 (all) or more, not {args.train_size}.")
    data = datasets.subsample(datasets.load(args.dataset, seed=args.seed), args.train_size, seed=args.seed)
    settings = {"dataset": data.name, "train_size": int(len(data.y_train)), "test_size": int(len(data.y_test)),
                "seed": int(args.seed)}
    inputs = {"x_train": data.x_train, "y_train": data.y_train, "x_test": data.x_test}
    key = f"{args.dataset}:{settings['train_size']}:{args.seed}"
    return [Case(data.name, inputs, data.y_test, settings, key)]


def _no_images(args: argparse.Namespace):
    raise ValueError("classify runs on a data set (--dataset) or on seeded examples (--example N), not on images.")


CLASSIFY_SETUP = ImageSetup(CLASSIFY, "train and test on a data set (--dataset digits, mnist, fashion-mnist or a "
                            "zip of class folders)", _add_arguments, _no_images, cases=dataset_cases)
