/** What the shell knows about the signed-in user; the (console) layout fills it from lib/auth. */
export interface ShellUser {
  username: string;
  displayName: string;
  role: "admin" | "operator" | "helpdesk";
  /** Privileges held globally (lib/authz): administration entries. */
  globalPrivileges: string[];
  /** Privileges held at some scope (a host, a VM, a tag, or globally). */
  anyPrivileges: string[];
}
