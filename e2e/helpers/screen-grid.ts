import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { virshHost1 } from "./host1";

// A coarse picture of a VGA text screen, to compare what a console canvas shows with libvirt's own
// `virsh screenshot` of the same guest, robust to colour depth, encodings and compression.

/** An image as "1" (brighter than mid-grey) and "0" per pixel, row by row. */
interface Bits {
  width: number;
  height: number;
  bits: string;
}

export interface Grid {
  cols: number;
  rows: number;
  cells: number[];
  width: number;
  height: number;
}

/** Which 9x16 character cells of a VGA text screen have ink. */
export function inkGrid({ width, height, bits }: Bits): Grid {
  const cols = Math.floor(width / 9);
  const rows = Math.floor(height / 16);
  const cells: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let ink = 0;
      for (let y = r * 16; y < r * 16 + 16 && !ink; y++) {
        if (bits.slice(y * width + c * 9, y * width + c * 9 + 9).includes("1")) ink = 1;
      }
      cells.push(ink);
    }
  }
  return { cols, rows, cells, width, height };
}

export const inked = (g: Grid) => g.cells.reduce((n, x) => n + x, 0);

/**
 * The console's canvas (inside `console-canvas`) at its own (the guest's) resolution: noVNC draws on
 * its only canvas; spice-html5 may add small ones (cursor), so "largest" picks the primary surface.
 */
export async function canvasGrid(page: Page, pick: "first" | "largest" = "first"): Promise<Grid> {
  const bits = await page.getByTestId("console-canvas").evaluate((el, pick): Bits => {
    const all = [...el.querySelectorAll("canvas")];
    const canvas = pick === "largest" ? all.sort((a, b) => b.width * b.height - a.width * a.height)[0] : all[0];
    if (!canvas || canvas.width === 0) return { width: 0, height: 0, bits: "" };
    const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let bits = "";
    for (let i = 0; i < d.length; i += 4) bits += d[i] + d[i + 1] + d[i + 2] > 384 ? "1" : "0";
    return { width: canvas.width, height: canvas.height, bits };
  }, pick);
  return inkGrid(bits);
}

/** `virsh screenshot` of a host-1 guest (a PNG here) written under `dir`, decoded by the browser. */
export async function virshScreenGrid(page: Page, uuid: string, dir: string): Promise<Grid> {
  const file = path.join(dir, `screen-${Date.now()}.png`);
  virshHost1(["screenshot", uuid, file]);
  const b64 = readFileSync(file).toString("base64");
  const bits = await page.evaluate(async (b64): Promise<Bits> => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]));
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext("2d")!;
    ctx.drawImage(bitmap, 0, 0);
    const d = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let bits = "";
    for (let i = 0; i < d.length; i += 4) bits += d[i] + d[i + 1] + d[i + 2] > 384 ? "1" : "0";
    return { width: bitmap.width, height: bitmap.height, bits };
  }, b64);
  return inkGrid(bits);
}

/**
 * Waits until the console canvas shows the guest's BIOS text (light text on black), then until it
 * matches libvirt's own `virsh screenshot` of the guest: same size, the same cells inked (a blinking
 * cursor aside). Both are sampled again until they agree: on a slow machine SeaBIOS may still be
 * printing. Returns the last canvas grid.
 */
export async function expectCanvasShowsGuestScreen(
  page: Page,
  o: { uuid: string; dir: string; pick?: "first" | "largest"; inkTimeoutMs?: number },
): Promise<Grid> {
  let canvas = await canvasGrid(page, o.pick);
  await expect
    .poll(
      async () => {
        canvas = await canvasGrid(page, o.pick);
        return inked(canvas);
      },
      { timeout: o.inkTimeoutMs ?? 15_000 },
    )
    .toBeGreaterThan(40);
  expect(inked(canvas), "the screen is mostly black").toBeLessThan(canvas.cells.length / 4);
  let reference = await virshScreenGrid(page, o.uuid, o.dir);
  expect({ width: canvas.width, height: canvas.height }).toEqual({ width: reference.width, height: reference.height });
  await expect
    .poll(
      async () => {
        [canvas, reference] = [await canvasGrid(page, o.pick), await virshScreenGrid(page, o.uuid, o.dir)];
        return canvas.cells.filter((x, i) => x !== reference.cells[i]).length;
      },
      { timeout: 20_000, message: "cells differing between the canvas and virsh screenshot" },
    )
    .toBeLessThanOrEqual(3);
  expect(inked(reference)).toBeGreaterThan(40);
  return canvas;
}
