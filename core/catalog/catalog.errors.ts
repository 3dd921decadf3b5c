import { DomainError, INVALID_FIELDS_MESSAGE, type FieldProblem } from '../kernel/domain-error.ts';

/** Coded errors of the catalog (products, FAQ, imports); routes map them to problems. */
export type CatalogErrorCode =
  | 'NOT_FOUND'
  /** Another product has this handle (`extras.existingId` when known). */
  | 'HANDLE_TAKEN'
  /** The product is synced from a platform and read-only here (`extras.readOnly`, `extras.source`). */
  | 'READ_ONLY'
  /** Invalid items (duplicates in one request, rows the schema could not catch); `details.fields` names them. */
  | 'INVALID';

export class CatalogError extends DomainError<CatalogErrorCode> {}

export const catalogErrors = {
  notFound: (message: string) => new CatalogError('NOT_FOUND', message),
  handleTaken: (message: string, extras?: Record<string, unknown>) => new CatalogError('HANDLE_TAKEN', message, extras ? { extras } : {}),
  readOnly: (message: string, extras: Record<string, unknown>) => new CatalogError('READ_ONLY', message, { extras }),
  invalid: (fields: FieldProblem[]) => new CatalogError('INVALID', INVALID_FIELDS_MESSAGE, { fields }),
};
