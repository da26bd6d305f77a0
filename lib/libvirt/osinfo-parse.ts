import "server-only";

/*
 * `osinfo-query os --fields=short-id,name,id` -> OS variants. The output is a table:
 *    Short ID | Name | ID
 *   ----------+------+-----
 *    debian12 | Debian 12 | http://debian.org/debian/12
 */

export interface OsVariantWire {
  id: string;
  name: string;
  url?: string;
}

export function parseOsinfoQuery(out: string): OsVariantWire[] {
  const rows: OsVariantWire[] = [];
  const lines = out.split("\n");
  for (const line of lines) {
    if (!line.includes("|") || /^\s*-+\+/.test(line)) continue;
    const [id, name, url] = line.split("|").map((c) => c.trim());
    if (!id || id === "Short ID" || !/^[A-Za-z0-9._+-]+$/.test(id)) continue;
    rows.push({ id, name: name || id, ...(url ? { url } : {}) });
  }
  return rows;
}

/** Used when the host has no libosinfo (osinfo-query missing): common guests, newest first. */
export const BUILTIN_OS_VARIANTS: readonly OsVariantWire[] = [
  { id: "generic", name: "Generic OS" },
  { id: "linux2022", name: "Generic Linux 2022", url: "http://libosinfo.org/linux/2022" },
  { id: "debian12", name: "Debian 12", url: "http://debian.org/debian/12" },
  { id: "debian11", name: "Debian 11", url: "http://debian.org/debian/11" },
  { id: "ubuntu24.04", name: "Ubuntu 24.04 LTS", url: "http://ubuntu.com/ubuntu/24.04" },
  { id: "ubuntu22.04", name: "Ubuntu 22.04 LTS", url: "http://ubuntu.com/ubuntu/22.04" },
  { id: "fedora40", name: "Fedora Linux 40", url: "http://fedoraproject.org/fedora/40" },
  { id: "rhel9.4", name: "Red Hat Enterprise Linux 9.4", url: "http://redhat.com/rhel/9.4" },
  { id: "almalinux9", name: "AlmaLinux 9", url: "http://almalinux.org/almalinux/9" },
  { id: "rocky9", name: "Rocky Linux 9", url: "http://rockylinux.org/rocky/9" },
  { id: "centos-stream9", name: "CentOS Stream 9", url: "http://centos.org/centos-stream/9" },
  { id: "opensuse15.5", name: "openSUSE Leap 15.5", url: "http://opensuse.org/opensuse/15.5" },
  { id: "alpinelinux3.19", name: "Alpine Linux 3.19", url: "http://alpinelinux.org/alpinelinux/3.19" },
  { id: "archlinux", name: "Arch Linux", url: "http://archlinux.org/archlinux/rolling" },
  { id: "freebsd14.0", name: "FreeBSD 14.0", url: "http://freebsd.org/freebsd/14.0" },
  { id: "win11", name: "Microsoft Windows 11", url: "http://microsoft.com/win/11" },
  { id: "win10", name: "Microsoft Windows 10", url: "http://microsoft.com/win/10" },
  { id: "win2k22", name: "Microsoft Windows Server 2022", url: "http://microsoft.com/win/2k22" },
];
