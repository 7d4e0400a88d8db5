"""voxspec: one hand-curated OpenAPI document per telephony vendor, everything else derived.

The pipeline is load -> validate/lint -> build (IR) -> render -> write; see DESIGN in README.
"""

from generator.errors import Finding, SpecError, VoxspecError

__version__ = "0.1.0"
__all__ = ["Finding", "SpecError", "VoxspecError", "__version__"]
