// The live connection: one WebSocket to /v1/live that subscribes, keeps itself alive
// with pings, notices a silent or closed connection, and reconnects by itself with
// backoff, resuming the `results` channel with `since` (the last seq it saw) and the
// `epoch` of the feed that seq belongs to.
//
// States reported through onState(state):
//   "connecting"   first connection not made yet
//   "live"         subscribed and receiving (`subscribed` or a snapshot arrived on this
//                  connection)
//   "reconnecting" the connection is gone, trying again; what is shown may be old
//   "stale"        gone for longer than STALE_AFTER_MS: the board says its data is old

export const PING_EVERY_MS = 4000;
// No frame at all (a pong answers every ping) for this long: the connection is dead even
// if the socket has not noticed yet (a phone that changed network, a dropped router).
export const SILENCE_LIMIT_MS = 9000;
export const STALE_AFTER_MS = 10000;
// Subscribed but neither `subscribed` nor a snapshot after this long (a server still
// loading, or one that does not know our channels): try again rather than wait on a
// connection that shows nothing.
export const SNAPSHOT_WAIT_MS = 5000;
// docs/protocol.md: 0.5 s, 1 s, 2 s … 10 s, each ×1–2 at random.
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
// Close codes after which reconnecting at once is right (the server asked for it).
const CLOSE_LAGGING = 4008;

export class LiveConnection {
  /**
   * @param {object} options
   * @param {string} options.url           ws:// or wss:// URL of /v1/live
   * @param {string[]} options.channels    channels to subscribe to on every connection
   * @param {() => number|null} options.since  seq to resume `results` from, or null
   * @param {() => string|null} options.epoch  the feed `since` belongs to, or null
   * @param {(frame: object) => void} options.onFrame
   * @param {(state: string) => void} options.onState
   */
  constructor({ url, channels, since, epoch, onFrame, onState }) {
    this.url = url;
    this.channels = channels;
    this.since = since;
    this.epoch = epoch;
    this.onFrame = onFrame;
    this.onState = onState;
    this.state = "connecting";
    this.socket = null;
    this.attempt = 0;
    this.lastHeard = 0; // Date.now() of the last frame received while live (0: never)
    this.lastFrameAt = 0; // Date.now() of the last frame on the current socket
    this.lostAt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.staleTimer = null;
    this.snapshotTimer = null;
  }

  start() {
    this.connect();
    // Both are registered once for the life of the page.
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.state !== "live") this.reconnectNow();
    });
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      console.warn("live: cannot open", error);
      this.lost();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      console.info("live: connected, subscribing");
      const request = { op: "subscribe", channels: this.channels };
      const since = this.since();
      if (since !== null && since !== undefined) {
        request.since = since;
        // A seq of another feed (the database restored or replaced) gets a reset, not a
        // replay of whatever the same numbers mean here.
        const epoch = this.epoch ? this.epoch() : null;
        if (epoch) request.epoch = epoch;
      }
      socket.send(JSON.stringify(request));
      this.lastFrameAt = Date.now();
      this.startPings(socket);
      clearTimeout(this.snapshotTimer);
      this.snapshotTimer = setTimeout(() => {
        if (socket === this.socket && this.state !== "live") {
          console.warn("live: no snapshot after subscribing, reconnecting");
          this.drop();
        }
      }, SNAPSHOT_WAIT_MS);
    };
    socket.onmessage = (message) => {
      this.lastFrameAt = Date.now();
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch (error) {
        console.warn("live: bad frame", error);
        return;
      }
      // `subscribed` ends the subscription: the replay and every snapshot have been sent
      // (docs/protocol.md). A first snapshot means data flows too, so either makes it live.
      if ((frame.type === "subscribed" || frame.type === "snapshot") && this.state !== "live") {
        this.attempt = 0;
        this.setState("live");
      }
      if (this.state === "live") this.lastHeard = this.lastFrameAt;
      this.onFrame(frame);
    };
    socket.onclose = (event) => this.lost(event.code);
    // An error is always followed by a close; nothing to do here.
    socket.onerror = () => {};
  }

  /** Changes the channels: at once on an open connection, and on every later one. */
  setChannels(channels) {
    const added = channels.filter((channel) => !this.channels.includes(channel));
    const removed = this.channels.filter((channel) => !channels.includes(channel));
    this.channels = channels;
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (removed.length) socket.send(JSON.stringify({ op: "unsubscribe", channels: removed }));
    if (added.length) socket.send(JSON.stringify({ op: "subscribe", channels: added }));
  }

  startPings(socket) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return;
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) {
        console.warn("live: silent connection, dropping it");
        this.drop();
        return;
      }
      socket.send('{"op":"ping"}');
    }, PING_EVERY_MS);
  }

  /** Forgets the current socket (without waiting for its close) and reconnects later. */
  drop() {
    const socket = this.socket;
    if (socket) {
      this.detach(socket);
      try { socket.close(); } catch { /* already closing */ }
    }
    this.lost();
  }

  detach(socket) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    if (this.socket === socket) this.socket = null;
  }

  lost(code) {
    clearInterval(this.pingTimer);
    clearTimeout(this.snapshotTimer);
    this.pingTimer = null;
    if (this.socket) this.detach(this.socket);
    if (this.state === "live" || this.state === "connecting") {
      this.lostAt = Date.now();
      this.setState("reconnecting");
      clearTimeout(this.staleTimer);
      this.staleTimer = setTimeout(() => {
        if (this.state === "reconnecting") this.setState("stale");
      }, STALE_AFTER_MS);
    }
    const delay = code === CLOSE_LAGGING ? 0 : this.backoff();
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** 0.5 s, 1 s, 2 s … up to 10 s, each ×1–2 at random, so a crowd of boards does not
   * reconnect in step after a restart. */
  backoff() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    return Math.round(base * (1 + Math.random()));
  }

  reconnectNow() {
    if (this.state === "live" && this.socket) return;
    this.attempt = 0;
    if (this.socket && this.socket.readyState === WebSocket.CONNECTING) return;
    if (this.socket) this.drop();
    else this.connect();
  }

  setState(state) {
    if (state === this.state) return;
    console.info(`live: ${this.state} -> ${state}`);
    this.state = state;
    if (state === "live") {
      clearTimeout(this.staleTimer);
      this.lastHeard = Date.now();
    }
    this.onState(state);
  }
}
