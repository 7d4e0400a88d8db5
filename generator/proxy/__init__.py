"""`voxspec proxy`: a validating pass-through proxy between an application and a vendor's live API.

Forwards every exchange unchanged, checks both directions against the spec's IR, and reports drift.
"""

from generator.proxy.check import Violation
from generator.proxy.drift import Drift

__all__ = ["Drift", "Violation"]
