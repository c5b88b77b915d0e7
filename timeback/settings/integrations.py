"""Integrations switched on by environment variables, each with a safe default."""

from timeback.env import env

# Public origin used to build absolute hrefs in API responses when behind a proxy.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")

# Fernet key (urlsafe base64 of 32 bytes) encrypting the third-party app passwords stored by
# POST /users/{id}/credentials. Unset: a key is derived from SECRET_KEY with HKDF, so rotating
# SECRET_KEY then makes every stored credential unreadable (decrypt answers 500): set this
# explicitly in production and keep it when SECRET_KEY rotates.
CREDENTIALS_ENCRYPTION_KEY = env.str("CREDENTIALS_ENCRYPTION_KEY", default="")

# ---- Caliper ingest and the learning pipeline -------------------------------------------
# Limits on one envelope: larger requests answer 413 naming the limit.
CALIPER_MAX_ENVELOPE_BYTES = env.int("CALIPER_MAX_ENVELOPE_BYTES", default=5 * 1024 * 1024)
CALIPER_MAX_EVENTS_PER_ENVELOPE = env.int("CALIPER_MAX_EVENTS_PER_ENVELOPE", default=1000)
# Events are processed in lanes (student pk modulo this number); one worker holds a lane at a
# time, so lanes are the unit of scale-out for the pipeline. Changing it is safe at any time.
CALIPER_PROCESSING_LANES = env.int("CALIPER_PROCESSING_LANES", default=2)
# A lane's processing task is sent this many seconds after the first event that wakes it;
# events accepted meanwhile share its batch (one batch per few hundred single-event POSTs
# instead of one per POST). Freshness target: p95 < 2 s.
CALIPER_PROCESSING_DEBOUNCE_S = env.float("CALIPER_PROCESSING_DEBOUNCE_S", default=0.3)
# Events per batch (one transaction): larger batches cost less per event, and hold a lane's
# rows longer.
CALIPER_PROCESSING_BATCH_SIZE = env.int("CALIPER_PROCESSING_BATCH_SIZE", default=5000)

# ---- Dashboards -------------------------------------------------------------------------
# After a processing run, the per student × app × course × day rollup (developer and staff
# dashboards) is filled this many seconds later; runs meanwhile share the fill. 0: at once.
DASHBOARD_FILL_DEBOUNCE_S = env.float("DASHBOARD_FILL_DEBOUNCE_S", default=5.0)
# The student dashboard asks for new data this often (seconds).
DASHBOARD_REFRESH_SECONDS = env.int("DASHBOARD_REFRESH_SECONDS", default=10)

# ---- LTI 1.3 platform -------------------------------------------------------------------
# Fernet key sealing the platform's private signing keys in the database (common/crypto.py).
# Unset: derived from SECRET_KEY, and rotating SECRET_KEY then makes the stored keys
# unusable (a new key is generated with `manage.py lti_keys --rotate`): set it in production.
LTI_KEY_ENCRYPTION_KEY = env.str("LTI_KEY_ENCRYPTION_KEY", default="")
# A retired platform key stays in the JWKS this long, so that tokens signed before a rotation
# still verify at tools that cache the key set.
LTI_KEY_GRACE_SECONDS = env.int("LTI_KEY_GRACE_SECONDS", default=7 * 24 * 3600)
# Members per NRPS page when the tool asks for no limit (it follows Link: rel="next").
LTI_NRPS_PAGE_SIZE = env.int("LTI_NRPS_PAGE_SIZE", default=100)
# The student launcher's heartbeat: every this many seconds while an app is open, each beat
# counting that much active (page visible) or inactive (hidden) time.
LTI_HEARTBEAT_SECONDS = env.int("LTI_HEARTBEAT_SECONDS", default=15)

# ---- QTI 3.0 content ----------------------------------------------------------------------
# Limits on what an import reads: one XML document, and a whole package unpacked.
QTI_MAX_XML_BYTES = env.int("QTI_MAX_XML_BYTES", default=10 * 1024 * 1024)
QTI_MAX_PACKAGE_BYTES = env.int("QTI_MAX_PACKAGE_BYTES", default=200 * 1024 * 1024)
# A directory holding the QTI 3.0 XSDs (qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd and the files it
# imports): manifests are validated against them when set; otherwise checked structurally
# (every import report says which check ran).
QTI_SCHEMA_DIR = env.str("QTI_SCHEMA_DIR", default="")
# Items may score through an external service (qti-custom-operator
# class="com.alpha-1edtech.ExternalApiScore" definition="<url>"): only hosts listed here are
# called (none by default), each call waiting at most this long.
QTI_EXTERNAL_SCORER_HOSTS = env.list("QTI_EXTERNAL_SCORER_HOSTS", default=[])
QTI_EXTERNAL_SCORER_TIMEOUT_S = env.float("QTI_EXTERNAL_SCORER_TIMEOUT_S", default=5.0)

# ---- CASE 1.1 academic standards ----------------------------------------------------------
# The largest package an import reads, and how long fetching one from a CASE server may take.
CASE_MAX_PACKAGE_BYTES = env.int("CASE_MAX_PACKAGE_BYTES", default=100 * 1024 * 1024)
CASE_FETCH_TIMEOUT_S = env.float("CASE_FETCH_TIMEOUT_S", default=30.0)
# The official CASE 1.1 CFPackage JSON schema: imports report what it finds when set (they are
# lenient: real exports carry fields beyond it, and those are kept).
CASE_PACKAGE_SCHEMA = env.str("CASE_PACKAGE_SCHEMA", default="")
