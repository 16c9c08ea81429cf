// The `jit` command group for Entra PIM: `jit pim activate`, `jit pim deactivate`.
import { Command } from 'commander';

import { checkDuration, positive, type CliKit } from './cli-kit.js';

export function registerPimCommands(program: Command, kit: CliKit): void {
  const { ctx, output, client } = kit;
  const pim = program
    .command('pim')
    .description('Entra PIM roles: activate them in PIM with your own sign-in');
  pim
    .command('activate <role>')
    .description(
      'activate an entra-pim role in Entra PIM (signs you in through your browser for a delegated Graph token); JIT Access grants access at its next poll',
    )
    .option('-d, --duration <iso>', 'how long, e.g. PT1H', 'PT1H')
    .option('-j, --justification <text>', 'why you need it (PIM may require it)')
    .option('-t, --ticket <ref>', 'ticket number (PIM may require it)')
    .option('--ticket-system <name>', 'ticket system name sent with --ticket')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .option('--wait', 'wait until JIT Access has granted the access')
    .option('--wait-seconds <n>', 'how long --wait waits', positive('--wait-seconds'), 120)
    .action(
      async (
        role: string,
        opts: {
          duration: string;
          justification?: string;
          ticket?: string;
          ticketSystem?: string;
          browser: boolean;
          wait?: boolean;
          waitSeconds: number;
        },
      ) => {
        const { runPimActivate } = await import('./pim-command.js');
        await runPimActivate(
          await client(),
          role,
          {
            duration: checkDuration('--duration', opts.duration),
            ...(opts.justification === undefined ? {} : { justification: opts.justification }),
            ...(opts.ticket === undefined ? {} : { ticket: opts.ticket }),
            ...(opts.ticketSystem === undefined ? {} : { ticketSystem: opts.ticketSystem }),
            browser: opts.browser,
            wait: opts.wait === true,
            waitSeconds: opts.waitSeconds,
          },
          output(),
          ctx,
        );
      },
    );

  pim
    .command('deactivate <role>')
    .description(
      'end your Entra PIM activation of a role early (signs you in for a delegated Graph token); JIT Access revokes the grant at its next poll',
    )
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .action(async (role: string, opts: { browser: boolean }) => {
      const { runPimDeactivate } = await import('./pim-command.js');
      await runPimDeactivate(await client(), role, { browser: opts.browser }, output(), ctx);
    });
}
