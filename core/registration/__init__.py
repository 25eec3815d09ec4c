"""Registration (book Chapter 5.3–5.7): importing this package registers every method of the
`register` task; TensorFlow is imported only when the VoxelMorph-style method runs.
Conventions are in `core.registration.warp`; ground truth in `core.registration.synthetic`."""
# the import order is the order the methods are listed in
from core.registration import feature, intensity, deformable, voxelmorph  # noqa: F401,I001
