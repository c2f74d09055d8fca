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

function paddedBbox(points, padDeg = 0.01) {
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return [Math.min(...lons) - padDeg, Math.min(...lats) - padDeg, Math.max(...lons) + padDeg, Math.max(...lats) + padDeg]
    .map((v) => v.toFixed(4));
}

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
    this.map = L.map(this.element, { zoomControl: true, attributionControl: Boolean(config.tileUrl) });
    // Thousands of street segments draw fast on a canvas; the route and markers stay SVG elements.
    this.map.createPane('context').style.zIndex = 350;
    this.canvas = L.canvas({ padding: 0.2, pane: 'context' });
    this.map.zoomControl.getContainer().querySelectorAll('a').forEach((a) => a.setAttribute('aria-label', a.title));
    if (config.tileUrl) L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(this.map);
    this.base = L.layerGroup().addTo(this.map);
    this.layers = L.layerGroup().addTo(this.map);
  }

  async loadDistricts() {
    if (this.districtsLoaded) return;
    try {
      const data = await geojson('/api/city/districts.geojson');
      L.geoJSON(data, {
        renderer: this.canvas,
        style: { color: COLORS.district, weight: 2, opacity: 0.6, fillColor: '#dfeef5', fillOpacity: 0.35 },
        interactive: false,
      }).addTo(this.base);
      this.districtsLoaded = true;
    } catch (e) { /* offline and never cached: the route alone is still drawn */ }
  }

  async loadStreets(points) {
    const bbox = paddedBbox(points).join(',');
    try {
      const data = await geojson(`/api/city/streets.geojson?bbox=${bbox}&classes=arterial,collector,residential`);
      if (this.streets) this.streets.remove();
      this.streets = L.geoJSON(data, {
        renderer: this.canvas,
        style: (feature) => {
          const cls = feature.properties && feature.properties.road_class;
          return { color: '#8a96a3', weight: cls === 'arterial' ? 4 : cls === 'collector' ? 3 : 1.5, opacity: 0.8 };
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
    const points = [[job.lon, job.lat]];
    let hasRoute = false;
    if (job.route && job.route.type === 'LineString' && job.route.coordinates.length > 1) {
      hasRoute = true;
      L.polyline(job.route.coordinates.map(([lon, lat]) => [lat, lon]), {
        color: COLORS.route, weight: 7, opacity: 0.9, className: 'route-line',
      }).addTo(this.layers);
      points.push(...job.route.coordinates);
    }
    if (job.depot) {
      L.circleMarker([job.depot.lat, job.depot.lon], { radius: 8, color: '#fff', weight: 2, fillColor: COLORS.depot, fillOpacity: 1 })
        .bindTooltip(t('job.map.depot')).addTo(this.layers);
    }
    L.circleMarker(target, { radius: 12, color: '#fff', weight: 3, fillColor: COLORS.job, fillOpacity: 1, className: 'job-marker' })
      .bindTooltip(t('job.map.job')).addTo(this.layers);
    this.youMarker = null;
    if (you) {
      this.setYou(you);
      points.push([you.lon, you.lat]);
    }
    const bounds = L.latLngBounds(points.map(([lon, lat]) => [lat, lon]));
    this.map.invalidateSize();
    this.map.fitBounds(bounds, { padding: [28, 28], maxZoom: 17 });
    await Promise.all([this.loadDistricts(), this.loadStreets(points)]);
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
