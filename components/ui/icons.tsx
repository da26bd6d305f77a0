import type { SVGProps } from "react";
import {
  Archive,
  ArrowRight,
  Check,
  ChevronDown,
  CircleAlert,
  CircleCheck,
  CircleMinus,
  Database,
  Globe,
  House,
  Info,
  Laptop,
  Layers,
  LogOut,
  Menu,
  Monitor,
  Moon,
  Network,
  Plus,
  ScrollText,
  Search,
  Server,
  Shield,
  Sun,
  TriangleAlert,
  User,
  Users,
  X,
  type LucideIcon,
} from "lucide-react";

/**
 * The app's icons: lucide's stroke icons (24x24 grid, currentColor) under the names the UI uses.
 * Decorative by default (aria-hidden); pass `title` to make one meaningful to screen readers.
 */
export type IconProps = SVGProps<SVGSVGElement> & { title?: string };

function icon(name: string, Glyph: LucideIcon) {
  function Icon({ title, className = "size-5", ...rest }: IconProps) {
    return (
      <Glyph
        className={className}
        strokeWidth={1.75}
        aria-hidden={title ? undefined : true}
        role={title ? "img" : undefined}
        focusable="false"
        {...rest}
      >
        {title ? <title>{title}</title> : null}
      </Glyph>
    );
  }
  Icon.displayName = name;
  return Icon;
}

export const ServerIcon = icon("ServerIcon", Server);
export const MonitorIcon = icon("MonitorIcon", Monitor);
export const LayersIcon = icon("LayersIcon", Layers);
export const DatabaseIcon = icon("DatabaseIcon", Database);
export const NetworkIcon = icon("NetworkIcon", Network);
export const ArchiveIcon = icon("ArchiveIcon", Archive);
export const UsersIcon = icon("UsersIcon", Users);
export const AuditIcon = icon("AuditIcon", ScrollText);
export const HomeIcon = icon("HomeIcon", House);
export const MenuIcon = icon("MenuIcon", Menu);
export const XIcon = icon("XIcon", X);
export const PlusIcon = icon("PlusIcon", Plus);
export const CheckIcon = icon("CheckIcon", Check);
export const ChevronDownIcon = icon("ChevronDownIcon", ChevronDown);
export const ArrowRightIcon = icon("ArrowRightIcon", ArrowRight);
export const SunIcon = icon("SunIcon", Sun);
export const MoonIcon = icon("MoonIcon", Moon);
export const LaptopIcon = icon("LaptopIcon", Laptop);
export const GlobeIcon = icon("GlobeIcon", Globe);
export const ShieldIcon = icon("ShieldIcon", Shield);
export const UserIcon = icon("UserIcon", User);
export const LogoutIcon = icon("LogoutIcon", LogOut);
export const InfoIcon = icon("InfoIcon", Info);
export const CheckCircleIcon = icon("CheckCircleIcon", CircleCheck);
export const WarningIcon = icon("WarningIcon", TriangleAlert);
export const ErrorIcon = icon("ErrorIcon", CircleAlert);
export const MinusCircleIcon = icon("MinusCircleIcon", CircleMinus);
export const SearchIcon = icon("SearchIcon", Search);
