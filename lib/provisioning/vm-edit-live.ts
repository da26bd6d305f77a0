import type { VirshCommandInput } from "@/lib/hosts/virsh-command";
import type { LiveStep } from "@/lib/libvirt/domain-edit-ops";

/** The virsh command of a live edit step on the guest `uuid`; device XML goes on stdin (/dev/stdin). */
export function liveStepCommand(uuid: string, step: LiveStep): { cmd: VirshCommandInput; stdin?: string } {
  const domain = { domain: uuid };
  const live = { flag: "--live" } as const;
  switch (step.kind) {
    case "setvcpus":
      return { cmd: { command: "setvcpus", args: [domain, { arg: String(step.count) }, live] } };
    case "setmem":
      return { cmd: { command: "setmem", args: [domain, { arg: String(step.kib) }, live] } };
    case "desc":
      return {
        cmd: {
          command: "desc",
          args:
            step.field === "title"
              ? [domain, live, { flag: "--title" }, { option: "--new-desc", value: step.text }]
              : [domain, live, { option: "--new-desc", value: step.text }],
        },
      };
    case "attach":
    case "detach":
      return {
        cmd: {
          command: step.kind === "attach" ? "attach-device" : "detach-device",
          args: [domain, { arg: "/dev/stdin" }, live],
        },
        stdin: step.deviceXml,
      };
    case "update":
      return {
        cmd: {
          command: "update-device",
          args: [domain, { arg: "/dev/stdin" }, live, ...(step.force ? [{ flag: "--force" }] : [])],
        },
        stdin: step.deviceXml,
      };
  }
}
