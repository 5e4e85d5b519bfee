from .access import AccessRequest
from .api_keys import ApiKey, ApiScope, IdempotentRequest
from .breaches import Breach, BreachRisk
from .campaigns import Campaign, CampaignStatus, Delivery, DeliveryStatus
from .consent import GENESIS_HASH, ConsentChainHead, ConsentRecord, PurposeAssignment
from .contacts import Contact, ContactList, ContactSource, ListMembership
from .imports import ImportedRow, ImportJob
from .legal import (
    ControllerSettings,
    DataProcessingAgreement,
    DpaAcceptance,
    Subprocessor,
    TransferSafeguard,
)
from .lifecycle import InterestNotice, ReconsentRequest
from .monitoring import AccessAlert, AlertKind, KnownAccessAddress
from .purposes import LegalBasis, ProcessingPurpose, PurposeCategory, RetentionUnit
from .retention import StorageLimitationRun
from .ropa import Recipient, RecordSettings
from .segments import (
    BulkOperation,
    CustomFieldIndex,
    Segment,
    SegmentKind,
    SegmentSnapshot,
    SegmentSnapshotMember,
)
from .signups import PendingSignup, SignupToken
from .suppression import Suppression

__all__ = [
    "AccessAlert",
    "AccessRequest",
    "AlertKind",
    "KnownAccessAddress",
    "Breach",
    "BreachRisk",
    "ApiKey",
    "ApiScope",
    "IdempotentRequest",
    "BulkOperation",
    "Campaign",
    "CampaignStatus",
    "Delivery",
    "DeliveryStatus",
    "CustomFieldIndex",
    "Segment",
    "SegmentKind",
    "SegmentSnapshot",
    "SegmentSnapshotMember",
    "GENESIS_HASH",
    "ImportJob",
    "ImportedRow",
    "InterestNotice",
    "ConsentChainHead",
    "ConsentRecord",
    "Contact",
    "ContactList",
    "ContactSource",
    "LegalBasis",
    "ListMembership",
    "PendingSignup",
    "ProcessingPurpose",
    "ReconsentRequest",
    "SignupToken",
    "StorageLimitationRun",
    "Suppression",
    "PurposeAssignment",
    "PurposeCategory",
    "Recipient",
    "RecordSettings",
    "RetentionUnit",
    "ControllerSettings",
    "DataProcessingAgreement",
    "DpaAcceptance",
    "Subprocessor",
    "TransferSafeguard",
]
