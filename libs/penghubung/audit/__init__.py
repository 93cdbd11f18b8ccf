"""The auditor's toolkit: verify the hash chain, sign its head, export and check bundles."""

from penghubung.audit.chain import (
    GENESIS,
    Anchor,
    ChainRow,
    ChainWalker,
    Finding,
    Problem,
    Unreadable,
    WalkResult,
)
from penghubung.audit.checkpoints import (
    Checkpoint,
    SignatureStatus,
    Signed,
    check_signature,
    read_checkpoint_files,
    run_signer,
    sign_checkpoint,
    sign_head,
    write_checkpoint_file,
)
from penghubung.audit.errors import AuditUsageError, ChainBroken
from penghubung.audit.export import Exported, export_bundle
from penghubung.audit.keys import generate_key_pair, key_id, load_private_key, load_public_key
from penghubung.audit.settings import AuditSettings
from penghubung.audit.verify import (
    AuditReport,
    ChainStatus,
    CheckpointResult,
    verify_bundle,
    verify_database,
)

__all__ = [
    "GENESIS",
    "Anchor",
    "AuditReport",
    "AuditSettings",
    "AuditUsageError",
    "ChainBroken",
    "ChainRow",
    "ChainStatus",
    "ChainWalker",
    "Checkpoint",
    "CheckpointResult",
    "Exported",
    "Finding",
    "Problem",
    "SignatureStatus",
    "Signed",
    "Unreadable",
    "WalkResult",
    "check_signature",
    "export_bundle",
    "generate_key_pair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "read_checkpoint_files",
    "run_signer",
    "sign_checkpoint",
    "sign_head",
    "verify_bundle",
    "verify_database",
    "write_checkpoint_file",
]
