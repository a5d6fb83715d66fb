"""API facts shared by the client and the emulator: the one module both may import.

Everything here comes from ../shared/extend-api.md (API version 2025-04-21).
"""

API_VERSION = "2025-04-21"
API_VERSION_HEADER = "x-extend-api-version"
REQUEST_ID_HEADER = "x-extend-request-id"
DEFAULT_BASE_URL = "https://api.extend.ai"

# Paths (2025-04-21).
PATH_WORKFLOW_RUNS = "/workflow_runs"
PATH_WORKFLOW_RUNS_BATCH = "/workflow_runs/batch"
PATH_FILES = "/files"
PATH_FILES_UPLOAD = "/files/upload"
PATH_WORKFLOWS = "/workflows"

# Workflow run statuses. CANCELLING/CANCELLED arrived with the cancel endpoint.
PENDING = "PENDING"
PROCESSING = "PROCESSING"
NEEDS_REVIEW = "NEEDS_REVIEW"
REJECTED = "REJECTED"
PROCESSED = "PROCESSED"
FAILED = "FAILED"
CANCELLING = "CANCELLING"
CANCELLED = "CANCELLED"

ALL_STATUSES = (PENDING, PROCESSING, NEEDS_REVIEW, REJECTED, PROCESSED, FAILED, CANCELLING, CANCELLED)
IN_FLIGHT_STATUSES = frozenset({PENDING, PROCESSING, CANCELLING})
# A run in one of these will not change again without a human (review) or ever.
FINAL_STATUSES = frozenset({NEEDS_REVIEW, REJECTED, PROCESSED, FAILED, CANCELLED})
CANCELLABLE_STATUSES = frozenset({PENDING, PROCESSING})

# Limits.
MAX_FILES_PER_RUN_REQUEST = 50
MAX_BATCH_INPUTS = 1000
MIN_PAGE_SIZE = 1
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
MIN_PRIORITY = 1
MAX_PRIORITY = 100
DEFAULT_PRIORITY = 50
BATCH_PRIORITY = 90

# ID prefixes.
WORKFLOW_ID_PREFIX = "workflow_"
WORKFLOW_RUN_ID_PREFIX = "workflow_run_"
FILE_ID_PREFIX = "file_"

# Error codes carried in 400 bodies and rate-limit answers.
RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
FILE_TYPE_NOT_SUPPORTED = "FILE_TYPE_NOT_SUPPORTED"
FILE_SIZE_TOO_LARGE = "FILE_SIZE_TOO_LARGE"
CORRUPT_FILE = "CORRUPT_FILE"
PASSWORD_PROTECTED_FILE = "PASSWORD_PROTECTED_FILE"

# Rate-limit plans (extend-api.md §8): requests per second per category, runs per minute.
RATE_LIMIT_PLANS = {
    "payg": {"rps": 10, "runs_per_minute": 80},
    "scale": {"rps": 25, "runs_per_minute": 120},
    "enterprise": {"rps": 75, "runs_per_minute": 300},
}

# Names of the fields the generic invoice workflow extracts (emulator output, report, generator).
INVOICE_FIELDS = ("issuer", "invoice_number", "invoice_date", "total_amount", "currency")
