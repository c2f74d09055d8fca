// The job map: the city's own districts and streets as GeoJSON (so it works without a tile
// server), the route on real streets, the job, the depot and the crew's position (Leaflet).
import { config } from '../lib/config.js';
import { t } from '../lib/i18n.js';

const L = window.L;
const COLORS = { route: '#0b63ce', job: '#c0392b', depot: '#1d7a46', you: '#6b2fb3', district: '#0b4f6c' };

async function geojson(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// The map shows a 4:3 box around the job and its route; the streets are fetched for exactly that
// box, so they fill the view and the URL is the same every time (its saved copy works offline).
const ASPECT = 4 / 3;
const MIN_SPAN_M = 900;

export function jobBox(job) {
  const points = [[job.lon, job.lat]];
  if (job.route && Array.isArray(job.route.coordinates)) points.push(...job.route.coordinates);
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const mPerLat = 111320;
  const mPerLon = 111320 * Math.cos((midLat * Math.PI) / 180);
  let width = (Math.max(...lons) - Math.min(...lons)) * mPerLon * 1.25;
  let height = (Math.max(...lats) - Math.min(...lats)) * mPerLat * 1.25;
  width = Math.max(width, MIN_SPAN_M * ASPECT);
  height = Math.max(height, MIN_SPAN_M);
  if (width / height < ASPECT) width = height * ASPECT; else height = width / ASPECT;
  const cx = (Math.min(...lons) + Math.max(...lons)) / 2;
  const cy = midLat;
  const dx = width / 2 / mPerLon;
  const dy = height / 2 / mPerLat;
  const round = (v, up) => (up ? Math.ceil(v * 1000) : Math.floor(v * 1000)) / 1000;
  return [round(cx - dx, false), round(cy - dy, false), round(cx + dx, true), round(cy + dy, true)];
}

export function streetsUrl(job) {
  const box = jobBox(job).map((v) => v.toFixed(3)).join(',');
  return `/api/city/streets.geojson?bbox=${box}&classes=arterial,collector,residential`;
}

export const DISTRICTS_URL = '/api/city/districts.geojson';

export class JobMap {
  constructor(element) {
    this.element = element;
    this.map = null;
    this.layers = null;
    this.youMarker = null;
    this.districtsLoaded = false;
  }

  ensure() {
    if (this.map || !L) return;
    this.map = L.map(this.element, { zoomControl: true, zoomSnap: 0, attributionControl: Boolean(config.tileUrl) });
    // Thousands of street segments draw fast on a canvas; the route and markers stay SVG elements.
    this.map.createPane('context').style.zIndex = 350;
    this.canvas = L.canvas({ padding: 0.2, pane: 'context' });
    const zoom = this.map.zoomControl.getContainer();
    for (const [selector, key] of [['.leaflet-control-zoom-in', 'job.map.zoom_in'], ['.leaflet-control-zoom-out', 'job.map.zoom_out']]) {
      const button = zoom.querySelector(selector);
      button.title = t(key);
      button.setAttribute('aria-label', t(key));
    }
    // The drawing itself is described by the region's name and the legend; screen readers skip it.
    this.map.getPane('mapPane').setAttribute('aria-hidden', 'true');
    if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(this.map);
    this.base = L.layerGroup().addTo(this.map);
    this.layers = L.layerGroup().addTo(this.map);
  }

  async loadDistricts() {
    if (this.districtsLoaded) return;
    try {
      const data = await geojson(DISTRICTS_URL);
      L.geoJSON(data, {
        renderer: this.canvas,
        style: { color: COLORS.district, weight: 2, opacity: 0.6, fillColor: '#dfeef5', fillOpacity: 0.35 },
        interactive: false,
      }).addTo(this.base);
      this.districtsLoaded = true;
    } catch (e) { /* offline and never cached: the route alone is still drawn */ }
  }

  async loadStreets(job) {
    try {
      const data = await geojson(streetsUrl(job));
      if (this.streets) this.streets.remove();
      this.streets = L.geoJSON(data, {
        renderer: this.canvas,
        style: (feature) => {
          const cls = feature.properties && feature.properties.road_class;
          if (cls === 'arterial') return { color: '#7a8694', weight: 4, opacity: 0.9 };
          if (cls === 'collector') return { color: '#8d98a5', weight: 3, opacity: 0.9 };
          return { color: '#c3cbd3', weight: 1.2, opacity: 0.9 };
        },
        interactive: false,
      }).addTo(this.base);
    } catch (e) { /* streets are context only */ }
  }

  // Draw one job; `you` is the crew's last known position (or null).
  async show(job, you) {
    this.ensure();
    if (!this.map) return { route: false };
    this.layers.clearLayers();
    const target = [job.lat, job.lon];
    let hasRoute = false;
    if (job.route && job.route.type === 'LineString' && job.route.coordinates.length > 1) {
      hasRoute = true;
      L.polyline(job.route.coordinates.map(([lon, lat]) => [lat, lon]), {
        color: COLORS.route, weight: 7, opacity: 0.9, className: 'route-line',
      }).addTo(this.layers);
    }
    if (job.depot) {
      L.circleMarker([job.depot.lat, job.depot.lon], { radius: 8, color: '#fff', weight: 2, fillColor: COLORS.depot, fillOpacity: 1 })
        .bindTooltip(t('job.map.depot')).addTo(this.layers);
    }
    L.circleMarker(target, { radius: 12, color: '#fff', weight: 3, fillColor: COLORS.job, fillOpacity: 1, className: 'job-marker' })
      .bindTooltip(t('job.map.job')).addTo(this.layers);
    this.youMarker = null;
    if (you) this.setYou(you);
    const [minLon, minLat, maxLon, maxLat] = jobBox(job);
    this.map.invalidateSize();
    this.map.fitBounds([[minLat, minLon], [maxLat, maxLon]], { padding: [0, 0], maxZoom: 17 });
    await Promise.all([this.loadDistricts(), this.loadStreets(job)]);
    return { route: hasRoute };
  }

  setYou(you) {
    if (!this.map || !you) return;
    if (!this.youMarker) {
      this.youMarker = L.circleMarker([you.lat, you.lon], { radius: 9, color: '#fff', weight: 3, fillColor: COLORS.you, fillOpacity: 1 })
        .bindTooltip(t('job.map.you')).addTo(this.layers);
    } else {
      this.youMarker.setLatLng([you.lat, you.lon]);
    }
  }
}
