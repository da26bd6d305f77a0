/** The key=value lines of a remote-viewer .vv file after its "[virt-viewer]" header, as an object. */
export const vvFields = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
