"""Registration (book Chapter 5.3–5.7): importing this package registers every method of the
`register` task. Conventions are in `core.registration.warp`; ground truth in `.synthetic`."""
from core.registration import feature, intensity, deformable  # noqa: F401  (registers the methods)
