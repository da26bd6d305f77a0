/**
 * Accounts the platform specs create and sign in with. The specs share one
 * database and run in file order, so each account belongs to one spec (the
 * admin, created by platform-01, to all of them).
 *
 * Failed sign-ins are rate-limited per source address too (20 per 15 minutes by
 * default) and every spec signs in from 127.0.0.1: the suite stays well under
 * that (see the FAILED_LOGINS notes in each spec).
 */
export type Role = "admin" | "operator" | "helpdesk";

export interface Account {
  username: string;
  displayName: string;
  password: string;
  role: Role;
}

/** The first administrator, created through the setup page by platform-01. */
export const ADMIN: Account = {
  username: "admin",
  displayName: "Ada Admin",
  password: "correct horse battery staple",
  role: "admin",
};

/** platform-03 locks this account out; nothing else signs in with it. */
export const LOCKED_OUT: Account = {
  username: "lockout",
  displayName: "Lock Out",
  password: "right password 42",
  role: "helpdesk",
};

/** platform-05: the roles without user management and audit access. */
export const HELPDESK: Account = {
  username: "helga",
  displayName: "Helga Desk",
  password: "helpdesk password 1",
  role: "helpdesk",
};

export const OPERATOR: Account = {
  username: "otto",
  displayName: "Otto Operator",
  password: "operator password 1",
  role: "operator",
};
