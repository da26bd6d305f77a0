import { redirect } from "next/navigation";

/** The console opens on the virtual machines list. */
export default function ConsoleHome() {
  redirect("/vms");
}
