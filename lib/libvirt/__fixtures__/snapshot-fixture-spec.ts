/** The description generate-snapshots.ts gives the shut-off internal snapshot: XML and shell specials. */
export const FIXTURE_DESCRIPTION = `before "upgrade" & <cleanup> ; $(id) 'x' ünï`;
