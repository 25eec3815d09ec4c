"""`python -m bench.learned`: train the Learned restoration page's denoising autoencoder with its default
settings, then score it on camera (held out from training) at the training σ.

Prints the TensorFlow import time, the training time, and PSNR/SSIM of the noisy input and of the result.
"""
from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.learned", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=6, help="the page's default: 6")
    parser.add_argument("--steps", type=int, default=25, help="batches per epoch; the page's default: 25")
    parser.add_argument("--sigma", type=float, default=25.0, help="noise σ on the 0-255 scale (default: 25)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-side", type=int, default=512)
    args = parser.parse_args(argv)

    from core.degrade import add_noise
    from core.gallery import load_sample
    from core.image import prepare
    from core.metrics import quality

    start = time.perf_counter()
    import keras  # noqa: F401  (timed on its own: the page pays it once per server)
    import_seconds = time.perf_counter() - start

    from core.learned.loading import denoise_with_model
    from core.learned.models import RedNetConfig
    from core.learned.training import DenoiserTraining, train_denoiser

    settings = DenoiserTraining(RedNetConfig(depth=6, filters=24), patch=32, batch=16, epochs=args.epochs,
                                steps_per_epoch=args.steps, sigma=args.sigma / 255, seed=args.seed)
    trained = train_denoiser(settings)
    clean = prepare(load_sample("camera"), gray=True, max_side=args.max_side)
    noisy = add_noise(clean, level=args.sigma / 255, seed=args.seed)
    start = time.perf_counter()
    restored = denoise_with_model(trained.model, noisy)
    apply_seconds = time.perf_counter() - start
    before, after = quality(clean, noisy), quality(clean, restored)
    print(f"| what | value |\n| --- | ---: |\n"
          f"| TensorFlow/Keras import | {import_seconds:.1f} s |\n"
          f"| training ({args.epochs} epochs × {args.steps} batches) | {trained.seconds:.1f} s |\n"
          f"| applying to camera {clean.shape[1]}×{clean.shape[0]} | {apply_seconds:.2f} s |\n"
          f"| noisy input PSNR / SSIM | {before['psnr']:.2f} dB / {before['ssim']:.3f} |\n"
          f"| autoencoder PSNR / SSIM | {after['psnr']:.2f} dB / {after['ssim']:.3f} "
          f"({after['psnr'] - before['psnr']:+.2f} dB) |")


if __name__ == "__main__":
    main()
