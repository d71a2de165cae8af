"""The explainable assessment engine: pure functions from observations to advice."""

from fieldapp.assessment.engine import (
    Assessment,
    Case,
    CaseObservation,
    assess,
)
from fieldapp.assessment.render import assessment_to_json

__all__ = ["Assessment", "Case", "CaseObservation", "assess", "assessment_to_json"]
