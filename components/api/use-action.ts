"use client";
import { useState } from "react";
import { toApiError, type ApiError } from "./fetch-json";

/**
 * `busy` and the last failure around a form's calls: `call(work)` clears `error`, runs `work`, keeps a
 * failure in `error` as an ApiError (for `fieldMessage`) and resolves to whether it succeeded.
 */
export function useApiCall() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  async function call(work: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (err) {
      setError(toApiError(err));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, call };
}

/**
 * A page's mutations that end in a notice: `run(work, after)` puts the string `work` resolves to in
 * `notice`, then calls `after` (default: the hook's `done`, e.g. close the dialog and reload); a failure of
 * either lands in `error`. Resolves to success.
 */
export function useNoticeAction(done?: () => unknown) {
  const { call, ...state } = useApiCall();
  const [notice, setNotice] = useState<string | null>(null);
  const run = (work: () => Promise<string>, after = done) =>
    call(async () => {
      setNotice(await work());
      await after?.();
    });
  return { ...state, notice, setNotice, run };
}

/**
 * An action on one item that asks first: `ask(item)` opens the question, `dialog` is spread on a
 * <ConfirmDialog> (open, pending, error, onConfirm, onCancel). Confirming runs `action(item)`; the dialog
 * closes when it succeeds and shows the server's message when it fails.
 */
export function useConfirmAction<T>(action: (item: T) => Promise<unknown>) {
  const [target, setTarget] = useState<T | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ask = (item: T) => {
    setError(null);
    setTarget(item);
  };
  const onConfirm = async () => {
    if (target === null) return;
    setPending(true);
    setError(null);
    try {
      await action(target);
      setTarget(null);
    } catch (err) {
      setError(toApiError(err).message);
    } finally {
      setPending(false);
    }
  };
  const dialog = { open: target !== null, pending, error, onConfirm, onCancel: () => setTarget(null) };
  return { target, ask, dialog };
}
