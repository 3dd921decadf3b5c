import { PluginError, type PluginErrorCode } from '@concierge/plugin-sdk';
import { mapErrors, type ErrorMapping } from '../http/problem.ts';
import type { ProblemSpec, ProblemTable } from '../kernel/domain-error.ts';
import { PluginHostError, type PluginHostErrorCode } from './plugin-host.errors.ts';

/**
 * How the plugin host's HTTP paths (install routes, webhooks, plugin routes, installation routes)
 * answer a plugin's PluginError and the host's own errors: 4xx for what the caller got wrong, 502
 * or 503 (with Retry-After when the platform said when) for the platform, never 500 for a coded error.
 * The statuses agree with the SDK's PLUGIN_ERROR_STATUS, except that a plugin's own defects
 * (manifest, setup) answer 502: for the caller they are a failed upstream.
 */
const refused = (status: number, slug: string): ProblemSpec => ({ status, slug, title: 'Plugin refused', exposeCode: true });

export const PLUGIN_ERROR_PROBLEMS: ProblemTable<PluginErrorCode> = {
  PLUGIN_MANIFEST_INVALID: refused(502, 'plugin-manifest-invalid'),
  PLUGIN_CORE_RANGE: refused(502, 'plugin-core-range'),
  PLUGIN_DEPENDENCY_MISSING: refused(502, 'plugin-dependency-missing'),
  PLUGIN_DEPENDENCY_CYCLE: refused(502, 'plugin-dependency-cycle'),
  PLUGIN_DUPLICATE_ID: refused(502, 'plugin-duplicate-id'),
  PLUGIN_SETUP_FAILED: refused(502, 'plugin-setup-failed'),
  PLUGIN_CONFIG_INVALID: refused(400, 'plugin-config-invalid'),
  PLUGIN_NOT_INSTALLED: refused(404, 'plugin-not-installed'),
  INSTALL_STATE_INVALID: refused(400, 'install-state-invalid'),
  INSTALL_REQUEST_INVALID: refused(400, 'install-request-invalid'),
  INSTALL_ACCOUNT_MISSING: refused(400, 'install-account-missing'),
  UPSTREAM_RETRYABLE: refused(503, 'upstream-retryable'),
  UPSTREAM_FAILED: refused(502, 'upstream-failed'),
  UPSTREAM_AUTH: refused(502, 'upstream-auth'),
  WEBHOOK_SIGNATURE_INVALID: refused(401, 'webhook-signature-invalid'),
  WEBHOOK_PAYLOAD_INVALID: refused(400, 'webhook-payload-invalid'),
  NOT_SUPPORTED: refused(400, 'not-supported'),
};

export const PLUGIN_HOST_PROBLEMS: ProblemTable<PluginHostErrorCode> = {
  NOT_INSTALLABLE: { status: 404, slug: 'not-found', title: 'Not found' },
  INSTALL_STATE_INVALID: { status: 400, slug: 'install-state-invalid', title: 'Install state invalid', exposeCode: true },
  INSTALL_ACCOUNT_TAKEN: { status: 409, slug: 'conflict', title: 'Conflict', exposeCode: true },
  PLUGIN_FAILED: { status: 502, slug: 'plugin-failed', title: 'Plugin failed' },
};

/** Registered once by each plugin-host HTTP module (plugins.http.ts, installations.routes.ts). */
export const PLUGIN_HOST_ERROR_MAPPINGS: readonly ErrorMapping[] = [mapErrors(PluginError, PLUGIN_ERROR_PROBLEMS), mapErrors(PluginHostError, PLUGIN_HOST_PROBLEMS)];
