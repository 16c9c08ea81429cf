// The worst-case access window of each role: how long someone can hold access after asking
// for the longest activation, with JIT Access, without a running controller, and by the
// seed's formula (PIM duration + provisioning delay + session duration).
import type { JitConfig } from '../config/index.js';
import type { Millis } from '../core/duration.js';

/** Entra's provisioning cycle to Identity Center: a removal may wait a whole cycle. */
export const ENTRA_PROVISIONING_CYCLE: Millis = 40 * 60_000;
/** The controller acts on a grant's end within a pass: its timer fires at the end. */
const CONTROLLER_LAG: Millis = 5_000;

export interface AccessWindow {
  readonly role: string;
  readonly maxActivation: Millis;
  /** Longest access with a running controller (end detected, removed, sessions denied). */
  readonly withController: Millis;
  /** With every controller down: until one runs again; with the fail-safe expiry, AWS
   *  removes the access at the end plus its margin, and sessions issued before then live
   *  out their session duration (nothing denies them without a controller). */
  readonly withoutController: Millis | 'until a controller runs again';
  /** The seed's formula: activation + Entra's provisioning cycle + the session duration. */
  readonly seedFormula: Millis;
  readonly explanation: string;
}

export function accessWindows(config: JitConfig): AccessWindow[] {
  const revocation = config.mode === 'sandbox' || config.aws?.revocation.enabled !== false;
  const windows: AccessWindow[] = [];
  for (const role of config.roles.values()) {
    const session = config.permissionSets.get(role.permissionSet)?.sessionDuration ?? 0;
    const max = role.activation.maxDuration;
    const detection = role.source === 'entra-pim' ? (config.entra?.pollInterval ?? 10_000) : 0;
    const withController = max + detection + CONTROLLER_LAG + (revocation ? 0 : session);
    const failSafe = config.server.controller.failSafe;
    windows.push({
      role: role.name,
      maxActivation: max,
      withController,
      withoutController: failSafe.enabled
        ? max + failSafe.margin + session
        : 'until a controller runs again',
      seedFormula: max + ENTRA_PROVISIONING_CYCLE + session,
      explanation: [
        'the longest activation',
        ...(detection > 0 ? ['one PIM poll to see it end'] : []),
        'one controller pass',
        revocation ? 'sessions denied at once (SCP)' : 'plus the session duration (revocation off)',
      ].join(' + '),
    });
  }
  return windows;
}
