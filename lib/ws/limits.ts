/**
 * Largest websocket message the server accepts (ws `maxPayload`): console input is
 * keys, pointer events and clipboard text. A larger message closes the socket with
 * 1009 (message too big) before it is buffered.
 */
export const WS_MESSAGE_MAX_BYTES = 1024 * 1024;
