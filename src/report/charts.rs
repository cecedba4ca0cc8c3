//! The report's charts as inline SVG, drawn with plotters' SVG backend (no font library: text
//! is left to the browser). Each chart is optional: no data, no chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::analysis::cost::{DAILY_VOLUMES, SelfHosted, monthly_volume};
use crate::findings::cost::Pricing;
use crate::findings::decision::{Decision, QUOTED_PER_DAY};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Charts {
    pub distribution: Option<String>,
    pub timeline: Option<String>,
    pub sweep: Option<String>,
    pub cost_bars: Option<String>,
    pub break_even: Option<String>,
    pub quality_cost: Option<String>,
}

const SIZE: (u32, u32) = (760, 340);
const FONT: (&str, u32) = ("sans-serif", 13);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// One figure of a sweep level (requests/s, p95).
type LevelFigure = fn(&crate::findings::eval::SweepLevel) -> Option<f64>;

pub fn all(d: &Decision) -> Charts {
    Charts {
        distribution: svg(|a| distribution(a, d)),
        timeline: svg(|a| timeline(a, d)),
        sweep: (!d.eval.sweep.is_empty())
            .then(|| svg(|a| sweep(a, d)))
            .flatten(),
        cost_bars: svg(|a| cost_bars(a, d)),
        break_even: svg(|a| break_even(a, d)),
        quality_cost: svg(|a| quality_cost(a, d)),
    }
}

/// Draws into a fresh SVG; `Ok(false)` (nothing to draw) or an error gives no chart.
fn svg(draw: impl FnOnce(&Area) -> Result<bool, Box<dyn std::error::Error>>) -> Option<String> {
    let mut out = String::new();
    let drew = {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let drew = root
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&root));
        let presented = root.present();
        drew.ok().filter(|d| *d).is_some() && presented.is_ok()
    };
    drew.then_some(out)
}

fn colour(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// The name at a whole-number position of a category axis; nothing between them.
fn category<S: ToString>(names: &[S], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).map(S::to_string).unwrap_or_default()
    } else {
        String::new()
    }
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|v| v.is_finite()).fold(0.0, f64::max)
}

/// Each answer's e2e latency as a dot per model, with the median and p95 as bars.
fn distribution(area: &Area, d: &Decision) -> Result<bool, Box<dyn std::error::Error>> {
    let models: Vec<&String> = d.timeline.keys().collect();
    let top = max_of(d.timeline.values().flatten().map(|p| p.1));
    if models.is_empty() || top <= 0.0 {
        return Ok(false);
    }
    let n = models.len();
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top * 1.1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| category(&models, *x))
        .y_desc("end-to-end latency (ms)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(FONT)
        .draw()?;
    for (i, model) in models.iter().enumerate() {
        let c = colour(i);
        let points = &d.timeline[*model];
        chart.draw_series(points.iter().enumerate().map(|(k, p)| {
            // A fixed spread so dots of equal latency stay visible.
            let jitter = ((k * 37) % 21) as f64 / 21.0 * 0.5 - 0.25;
            Circle::new((i as f64 + jitter, p.1), 2, c.mix(0.6).filled())
        }))?;
        let f = &d.models.get(*model);
        for (q, width) in [
            (f.and_then(|f| f.e2e_ms.p50), 2),
            (f.and_then(|f| f.e2e_ms.p95), 1),
        ] {
            if let Some(q) = q {
                chart.draw_series(LineSeries::new(
                    [(i as f64 - 0.35, q), (i as f64 + 0.35, q)],
                    BLACK.stroke_width(width),
                ))?;
            }
        }
    }
    Ok(true)
}

/// Each answer's latency against when it started: drift over the run shows as a slope.
fn timeline(area: &Area, d: &Decision) -> Result<bool, Box<dyn std::error::Error>> {
    let right = max_of(d.timeline.values().flatten().map(|p| p.0));
    let top = max_of(d.timeline.values().flatten().map(|p| p.1));
    if top <= 0.0 {
        return Ok(false);
    }
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..right.max(1.0) * 1.02, 0f64..top * 1.1)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the run started")
        .y_desc("end-to-end latency (ms)")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(FONT)
        .draw()?;
    for (i, (model, points)) in d.timeline.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 2, c.filled())))?
            .label(model.as_str())
            .legend(move |(x, y)| Circle::new((x, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .label_font(FONT)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    Ok(true)
}

/// Requests a second and p95 latency against concurrency, side by side.
fn sweep(area: &Area, d: &Decision) -> Result<bool, Box<dyn std::error::Error>> {
    let (left, right) = area.split_horizontally(SIZE.0 / 2);
    let most = d
        .eval
        .sweep
        .values()
        .flatten()
        .map(|l| l.concurrency)
        .max()
        .unwrap_or(1);
    let panels: [(&Area, &str, LevelFigure); 2] = [
        (&left, "requests per second", |l| l.requests_per_s),
        (&right, "p95 latency (ms)", |l| l.e2e_p95_ms),
    ];
    for (panel, what, value) in panels {
        let top = max_of(d.eval.sweep.values().flatten().filter_map(value));
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..f64::from(most) * 1.1, 0f64..top.max(1e-9) * 1.15)?;
        chart
            .configure_mesh()
            .x_desc("concurrency")
            .y_desc(what)
            .x_labels(usize::try_from(most).unwrap_or(1).min(16) + 1)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style(FONT)
            .draw()?;
        for (i, (model, levels)) in d.eval.sweep.iter().enumerate() {
            let c = colour(i);
            let points: Vec<(f64, f64)> = levels
                .iter()
                .filter_map(|l| Some((f64::from(l.concurrency), value(l)?)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
                .label(model.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], c.stroke_width(2)));
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, c.filled())))?;
        }
        chart
            .configure_series_labels()
            .label_font(FONT)
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()?;
    }
    Ok(true)
}

/// Each model's monthly cost at the quoted volume.
fn cost_bars(area: &Area, d: &Decision) -> Result<bool, Box<dyn std::error::Error>> {
    let bars = d.quoted_monthly();
    let top = max_of(bars.iter().map(|b| b.1));
    if bars.is_empty() || top <= 0.0 {
        return Ok(false);
    }
    let n = bars.len();
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top * 1.15)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| category(&names, *x))
        .y_desc("dollars a month")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(FONT)
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
        Rectangle::new(
            [(i as f64 - 0.3, 0.0), (i as f64 + 0.3, *v)],
            colour(i).filled(),
        )
    }))?;
    Ok(true)
}

/// Monthly cost against daily volume: the API's straight line against self-hosting's steps.
fn break_even(area: &Area, d: &Decision) -> Result<bool, Box<dyn std::error::Error>> {
    let utilisation = d.cost.utilisation;
    let (low, high) = (
        DAILY_VOLUMES[0] as f64 / 10.0,
        DAILY_VOLUMES[DAILY_VOLUMES.len() - 1] as f64 * 10.0,
    );
    let steps = 240;
    let volumes: Vec<f64> = (0..=steps)
        .map(|k| low * (high / low).powf(k as f64 / steps as f64))
        .collect();
    let curves: Vec<(&String, Vec<(f64, f64)>)> = d
        .models
        .iter()
        .filter_map(|(m, f)| {
            let cost = match &f.cost.as_ref()?.pricing {
                Pricing::Api { per_request, .. } => {
                    let p = *per_request;
                    volumes
                        .iter()
                        .map(|v| (*v, p * monthly_volume(*v)))
                        .collect()
                }
                Pricing::SelfHosted {
                    cost_per_hour,
                    capacity,
                } => {
                    let hosted = SelfHosted {
                        cost_per_hour: *cost_per_hour,
                        sustained_requests_per_hour: capacity
                            .and_then(|c| c.requests_per_hour())?,
                        utilisation,
                    };
                    volumes
                        .iter()
                        .filter_map(|v| Some((*v, hosted.monthly_cost(monthly_volume(*v))?)))
                        .collect()
                }
                Pricing::Unknown { .. } => return None,
            };
            Some((m, cost))
        })
        .filter(|(_, c): &(&String, Vec<(f64, f64)>)| c.iter().any(|p| p.1 > 0.0))
        .collect();
    let all = || {
        curves
            .iter()
            .flat_map(|c| &c.1)
            .map(|p| p.1)
            .filter(|y| *y > 0.0)
    };
    let (bottom, top) = (all().fold(f64::INFINITY, f64::min), max_of(all()));
    if curves.is_empty() || !(bottom.is_finite() && top > 0.0) {
        return Ok(false);
    }
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (low..high).log_scale(),
            (bottom / 2.0..top * 2.0).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("requests a day")
        .y_desc("dollars a month")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(FONT)
        .draw()?;
    for (i, (model, points)) in curves.into_iter().enumerate() {
        let c = colour(i);
        let points: Vec<(f64, f64)> = points.into_iter().filter(|p| p.1 > 0.0).collect();
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))?
            .label(model.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(FONT)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    Ok(true)
}

/// The pass rate of each model's weakest check against monthly cost at the quoted volume, one
/// dot per model (checks are not pooled: the weakest is what a product would hit first).
fn quality_cost(area: &Area, d: &Decision) -> Result<bool, Box<dyn std::error::Error>> {
    let points: Vec<(&String, f64, f64)> = d
        .quoted_monthly()
        .into_iter()
        .filter(|(_, c)| *c > 0.0)
        .filter_map(|(m, c)| Some((m, c, d.models.get(m)?.weakest_check()?.rate?)))
        .collect();
    if points.is_empty() {
        return Ok(false);
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, 0f64), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d((lo / 3.0..hi * 3.0).log_scale(), 0f64..1.05f64)?;
    chart
        .configure_mesh()
        .x_desc(format!(
            "dollars a month at {QUOTED_PER_DAY} requests a day"
        ))
        .y_desc("pass rate of its weakest check")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style(FONT)
        .draw()?;
    for (i, (m, c, q)) in points.iter().enumerate() {
        let colour = colour(i);
        chart.draw_series([Circle::new((*c, *q), 5, colour.filled())])?;
        chart.draw_series([Text::new(m.to_string(), (*c, *q), FONT.into_font())])?;
    }
    Ok(true)
}
