"""LTI Advantage service scopes and claim names."""

from __future__ import annotations

__all__ = [
    "DL",
    "LTI",
    "AGS_CLAIM",
    "AGS_LINEITEM",
    "AGS_LINEITEM_READONLY",
    "AGS_RESULT_READONLY",
    "AGS_SCORE",
    "AGS_SCOPES",
    "LTI_SERVICE_SCOPES",
    "NRPS_CLAIM",
    "NRPS_CONTEXT_MEMBERSHIP",
]

AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_CONTEXT_MEMBERSHIP = (
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
)
AGS_SCOPES = (AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT_READONLY, AGS_SCORE)
LTI_SERVICE_SCOPES = (*AGS_SCOPES, NRPS_CONTEXT_MEMBERSHIP)
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
# Prefixes of the LTI core and Deep Linking claims.
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
