/** A host on the networks page, and whether the user may change its networks. */
export interface NetworkHostOption {
  id: string;
  name: string;
  /** The user holds network.manage on this host: create, start, stop, autostart and delete are shown. */
  canManage: boolean;
}
