/** What the shell knows about the signed-in user; the (console) layout fills it from lib/auth. */
export interface ShellUser {
  username: string;
  displayName: string;
  role: "admin" | "operator" | "helpdesk";
}
