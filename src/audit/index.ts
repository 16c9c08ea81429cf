// The audit log: entries, the hash chain, verification and export.
export type { AuditEntry, AuditInput } from './audit-entry.js';
export {
  canonicalAuditEntry,
  chainAuditEntry,
  GENESIS_HASH,
  hashAuditEntry,
} from './audit-chain.js';
export type { AuditHead, UnhashedAuditEntry } from './audit-chain.js';
export { verifyAudit } from './verify-audit.js';
export type { VerifyAuditResult } from './verify-audit.js';
export { AUDIT_CSV_COLUMNS, csvField, exportAudit } from './export-audit.js';
export type { AuditExportFormat } from './export-audit.js';
