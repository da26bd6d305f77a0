/**
 * Runs a bench: `cleanup` runs once whatever happens, after `main` (exit code 1 when it fails, at once) or
 * on SIGINT/SIGTERM/SIGHUP (exit 130). `failed` is told first, so cleanup can keep the logs of a
 * failed run; `onExit` runs at process exit (killing child processes left by an abrupt end).
 */
export function benchRun(opts: {
  main: () => Promise<void>;
  cleanup: () => Promise<void>;
  failed: () => void;
  onExit?: () => void;
}): void {
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      console.error(`[bench] ${sig}: cleaning up`);
      opts.failed();
      void opts.cleanup().finally(() => process.exit(130));
    });
  }
  if (opts.onExit) process.on("exit", opts.onExit);
  opts
    .main()
    .catch((err) => {
      console.error("[bench] failed:", err instanceof Error ? (err.stack ?? err.message) : err);
      opts.failed();
      process.exitCode = 1;
    })
    .finally(async () => {
      await opts.cleanup();
      // A failed run may leave sockets or timers open: do not wait for them.
      if (process.exitCode) process.exit();
    });
}
