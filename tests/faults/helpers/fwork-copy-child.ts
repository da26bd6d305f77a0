// A virtdeck instance of its own for "the app is killed mid full clone": runs the build plan in
// FWORK_PLAN (JSON) against its host through the product's code, until the test SIGKILLs it.
// Run with `npx tsx --conditions react-server` and the test database's environment.
import { provHost } from "@/lib/provisioning/host-access";
import { planRun } from "@/lib/provisioning/plan";
import { CreatePlanSchema } from "@/lib/provisioning/plan-schema";

async function main() {
  const plan = CreatePlanSchema.parse(JSON.parse(process.env.FWORK_PLAN ?? "null"));
  const h = await provHost(plan.hostId);
  await planRun(h, plan, { log: async (line) => void process.stdout.write(`${line}\n`) });
  process.stdout.write("done\n");
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
