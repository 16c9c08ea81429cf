import { describe, expect, it } from 'vitest';
import { SettableClock } from '../../ports/clock.js';
import { AwsClockSkew } from './clock-skew.js';

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);

describe('AwsClockSkew', () => {
  it('reports nothing before any answer, and never a negative lead', () => {
    const clock = new SettableClock({ fixed: T0 });
    const skew = new AwsClockSkew(clock);
    expect(skew.aheadMs()).toBe(0);
    // AWS behind us by a minute: no lead to add.
    skew.observe(new Date(T0 - 60_000).toUTCString(), T0);
    expect(skew.aheadMs()).toBe(0);
    expect(skew.latestSkewMs()).toBe(-60_000);
  });

  it('takes the upper bound of AWS’s lead: the whole-second header plus a second, from when we sent', () => {
    const clock = new SettableClock({ fixed: T0 + 200 });
    const skew = new AwsClockSkew(clock);
    skew.observe(new Date(T0 + 45_000).toUTCString(), T0); // AWS 45 s ahead
    expect(skew.aheadMs()).toBe(46_000);
    expect(skew.latestSkewMs()).toBe(44_800);
  });

  it('keeps the largest lead of its recent answers and ignores unbelievable or broken headers', () => {
    const clock = new SettableClock({ fixed: T0 });
    const skew = new AwsClockSkew(clock);
    skew.observe(new Date(T0 + 10_000).toUTCString(), T0);
    skew.observe(new Date(T0 + 2_000).toUTCString(), T0);
    expect(skew.aheadMs()).toBe(11_000);
    skew.observe('not a date', T0);
    skew.observe(new Date(T0 + 5 * 3_600_000).toUTCString(), T0);
    expect(skew.aheadMs()).toBe(11_000);
    for (let i = 0; i < 40; i += 1) skew.observe(new Date(T0).toUTCString(), T0);
    expect(skew.aheadMs()).toBe(1_000);
  });
});

describe('AwsClockSkew on a real SDK client', () => {
  it('reads the Date header of each answer (the emulator runs on this host: no lead)', async () => {
    const { startIdentityCenterEmulator } =
      await import('../../emulators/identity-center/start-identity-center-emulator.js');
    const { SSOAdminClient, ListInstancesCommand } = await import('@aws-sdk/client-sso-admin');
    const emulator = await startIdentityCenterEmulator();
    const client = new SSOAdminClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: { accessKeyId: 'AKIAJITTEST000000000', secretAccessKey: 'x' },
    });
    try {
      const skew = new AwsClockSkew({ now: () => Date.now() });
      skew.watch(client);
      await client.send(new ListInstancesCommand({}));
      expect(skew.latestSkewMs()).toBeDefined();
      expect(Math.abs(skew.latestSkewMs() ?? Infinity)).toBeLessThan(2_000);
      expect(skew.aheadMs()).toBeLessThanOrEqual(2_000);
    } finally {
      client.destroy();
      await emulator.close();
    }
  });
});
