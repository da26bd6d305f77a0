/**
 * Light/dark theme. The choice ("light" | "dark" | "system") lives in
 * localStorage under `vd_theme`; the `dark` class on <html> drives Tailwind's
 * dark variant (see app/globals.css).
 */
export const THEME_STORAGE_KEY = "vd_theme";
export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];

const DARK_QUERY = "(prefers-color-scheme: dark)";

/**
 * Runs in <head> before the first paint so a dark-mode user never sees a white
 * flash. Kept tiny and dependency-free: it is inlined as a string.
 */
export const themeInitScript = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});var d=t==="dark"||(t!=="light"&&matchMedia(${JSON.stringify(DARK_QUERY)}).matches);var e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light"}catch(_){}})()`;

export function themeRead(): Theme {
  try {
    const stored = localStorage.getItem(THEME_STORAGE_KEY);
    return (THEMES as readonly string[]).includes(stored ?? "") ? (stored as Theme) : "system";
  } catch {
    return "system";
  }
}

export function themeApply(theme: Theme): void {
  const dark = theme === "dark" || (theme === "system" && matchMedia(DARK_QUERY).matches);
  const root = document.documentElement;
  root.classList.toggle("dark", dark);
  root.style.colorScheme = dark ? "dark" : "light";
}

const listeners = new Set<() => void>();

/** Stores and applies a choice, and tells every subscribed toggle. */
export function themeWrite(theme: Theme): void {
  try {
    if (theme === "system") localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Storage may be disabled; the choice then lasts for this page only.
  }
  themeApply(theme);
  for (const listener of listeners) listener();
}

/**
 * useSyncExternalStore subscription. Also follows the OS setting while the
 * choice is "system", and choices made in other tabs.
 */
export function themeSubscribe(listener: () => void): () => void {
  listeners.add(listener);
  const media = matchMedia(DARK_QUERY);
  const onMedia = () => {
    if (themeRead() === "system") themeApply("system");
  };
  const onStorage = (e: StorageEvent) => {
    if (e.key !== THEME_STORAGE_KEY && e.key !== null) return;
    themeApply(themeRead());
    listener();
  };
  media.addEventListener("change", onMedia);
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    media.removeEventListener("change", onMedia);
    window.removeEventListener("storage", onStorage);
  };
}
