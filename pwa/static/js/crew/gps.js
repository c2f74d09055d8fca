// The crew's position, sent while on shift at a modest rate (every 60 s or 50 m), only with permission.
import { api } from '../lib/api.js';
import { cityClock, t } from '../lib/i18n.js';
import { newClientId } from '../lib/outbox.js';

const MIN_INTERVAL_MS = 60 * 1000;
const MIN_DISTANCE_M = 50;

function metres(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}

// Whether "now" in the city falls inside the shift (night shifts run past midnight).
export function onShift(shift, now = new Date()) {
  if (!shift || !shift.start || !shift.end) return false;
  const clock = cityClock(now);
  return shift.start <= shift.end
    ? clock >= shift.start && clock < shift.end
    : clock >= shift.start || clock < shift.end;
}

export class PositionReporter {
  constructor({ getShift, onPosition, onStatus }) {
    this.getShift = getShift;
    this.onPosition = onPosition;
    this.onStatus = onStatus;
    this.watchId = null;
    this.lastSent = null;
    this.latest = null;
    this.timer = null;
  }

  async start() {
    if (!('geolocation' in navigator)) return;
    this.timer = setInterval(() => this.tick(), 30 * 1000);
    await this.tick();
  }

  async tick() {
    const shift = this.getShift();
    if (!onShift(shift)) {
      this.stopWatching();
      this.onStatus(t('gps.off_shift'));
      return;
    }
    if (navigator.permissions) {
      try {
        const status = await navigator.permissions.query({ name: 'geolocation' });
        if (status.state === 'denied') {
          this.stopWatching();
          this.onStatus(t('gps.denied'));
          return;
        }
      } catch (e) { /* the browser cannot say: ask through watchPosition */ }
    }
    if (this.watchId === null) {
      this.watchId = navigator.geolocation.watchPosition(
        (position) => this.seen(position),
        (error) => { if (error.code === error.PERMISSION_DENIED) { this.stopWatching(); this.onStatus(t('gps.denied')); } },
        { enableHighAccuracy: true, maximumAge: 30000, timeout: 60000 },
      );
    }
  }

  stopWatching() {
    if (this.watchId !== null) navigator.geolocation.clearWatch(this.watchId);
    this.watchId = null;
  }

  seen(position) {
    const point = {
      lon: position.coords.longitude, lat: position.coords.latitude,
      accuracy_m: Math.round(position.coords.accuracy || 0), at: new Date(position.timestamp || Date.now()).toISOString(),
    };
    this.latest = point;
    this.onPosition(point);
    this.onStatus(t('gps.on'));
    const due = !this.lastSent
      || Date.now() - this.lastSent.time >= MIN_INTERVAL_MS
      || metres(this.lastSent.point, point) >= MIN_DISTANCE_M;
    if (due && navigator.onLine && onShift(this.getShift())) this.send(point);
  }

  async send(point) {
    this.lastSent = { time: Date.now(), point };
    try {
      await api('/api/crew/positions', { method: 'POST', json: { client_id: newClientId(), ...point } });
    } catch (e) {
      // A position is only worth sending fresh: a lost one is replaced by the next, not queued.
    }
  }

  stop() {
    this.stopWatching();
    if (this.timer) clearInterval(this.timer);
  }
}
