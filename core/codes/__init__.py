"""Barcodes and QR codes (book §8.5): generating them (`generate`), pasting them into a photo with a perspective
warp (`paste`), the decoders side by side (`decoders`, the methods of the `decode_codes` task) and the
degradations of the robustness sweep (`robustness`)."""
