// What the composition root gets from "the clouds": where access lands, how live sessions
// end, who people are, and where PIM activations come from. The sandbox builds it from the
// emulators (src/sandbox/), live mode from AWS and Entra (src/live/); the rest of `jit
// serve` is the same for both.
import type { AccessTarget } from './access-target.js';
import type { ActivationRevoker } from './activation-revoker.js';
import type { ActivationSource } from './activation-source.js';
import type { Directory } from './directory.js';
import type { ExpiryFailSafe } from './expiry-fail-safe.js';
import type { SessionRevoker } from './session-revoker.js';

/** How a person activates entra-pim roles in PIM with their own delegated token. */
export interface PimActivationInfo {
  /** The OpenID issuer people sign in to for a delegated Graph token. */
  readonly issuer: string;
  /** The public client (loopback redirect, PKCE) the CLI signs in as. */
  readonly clientId: string;
  /** Microsoft Graph, e.g. https://graph.microsoft.com/v1.0. */
  readonly graphUrl: string;
  /** Plain http: the sandbox's emulator, or a loopback address in live mode. */
  readonly allowInsecureRequests: boolean;
  /** The entra-pim roles and their PIM group object ids. */
  roles(): Promise<readonly { role: string; group: string; groupId: string }[]>;
}

export interface Clouds {
  readonly target: AccessTarget;
  readonly revoker: SessionRevoker;
  readonly directory: Directory;
  readonly activationSource: ActivationSource;
  /** Removes a person's PIM eligibilities and assignments (incident response); absent
   *  without an Entra connection. */
  readonly activationRevoker?: ActivationRevoker;
  /** Removal armed inside AWS too (`server.controller.failSafe`); absent when off. */
  readonly failSafe?: ExpiryFailSafe;
  readonly pim?: PimActivationInfo;
  /** Where access lands, for people and the logs. */
  readonly description: string;
  close(): Promise<void>;
}

/** No PIM roles: nothing to poll. */
export const noActivationSource: ActivationSource = {
  kind: 'entra-pim',
  poll: (groups) =>
    Promise.resolve(
      groups.map((group) => ({
        group,
        ok: false as const,
        error: 'no Entra connection is configured',
      })),
    ),
};
