//! Prometheus metrics, one registry per server (no globals), served at `GET /metrics`.
//!
//! Only operational figures are exported (requests, latencies, write batches, plans, rate
//! limiting): nothing about customers or their quantities.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// Labels of one answered request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// The matched route template (e.g. `/api/orders/:id`), never the raw path.
    pub route: String,
    /// Status code.
    pub status: u16,
}

/// Labels of a request's latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RouteLabels {
    /// HTTP method.
    pub method: String,
    /// The matched route template.
    pub route: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 50 µs .. ~3.3 s
    Histogram::new(exponential_buckets(0.000_05, 2.0, 17))
}

/// The server's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: HistogramFamily<RouteLabels>,
    pub rate_limited: Counter,
    pub write_batches: Counter,
    pub write_batch_events: Histogram,
    pub write_seconds: Histogram,
    pub write_conflicts: Counter,
    pub caught_up_events: Counter,
    pub plans: Counter,
    pub plan_seconds: Histogram,
    pub book_head: Gauge<u64, AtomicU64>,
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("allot");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency: HistogramFamily<RouteLabels> = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by method and route",
            latency.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429 by the per-token rate limit",
            rate_limited.clone(),
        );
        let write_batches = Counter::default();
        registry.register(
            "store_write_batches",
            "Group commits to the event store",
            write_batches.clone(),
        );
        let write_batch_events = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        registry.register(
            "store_write_batch_events",
            "Events written per group commit",
            write_batch_events.clone(),
        );
        let write_seconds = latency_histogram();
        registry.register(
            "store_write_seconds",
            "Time to validate and durably append one group commit",
            write_seconds.clone(),
        );
        let write_conflicts = Counter::default();
        registry.register(
            "store_write_conflicts",
            "Group commits that found the log moved on by another process (then caught up and retried)",
            write_conflicts.clone(),
        );
        let caught_up_events = Counter::default();
        registry.register(
            "book_caught_up_events",
            "Events read back from the file to bring the served book level with it (written by another process, such as the CLI)",
            caught_up_events.clone(),
        );
        let plans = Counter::default();
        registry.register("plans", "Plans computed (cold or warm)", plans.clone());
        let plan_seconds = latency_histogram();
        registry.register(
            "plan_seconds",
            "Time to compute and certify a plan",
            plan_seconds.clone(),
        );
        let book_head = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "book_head",
            "Sequence number of the last event in the book",
            book_head.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            rate_limited,
            write_batches,
            write_batch_events,
            write_seconds,
            write_conflicts,
            caught_up_events,
            plans,
            plan_seconds,
            book_head,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
