//! The targets page's charts (charming options; the tables beside them hold the same figures).
use super::{BurnUp, ChildProgress};
use crate::domain::targets::{Light, Metric};
use crate::ui::chart::palette;
use charming::component::{Axis, Grid, Legend};
use charming::datatype::{DataPoint, DataPointItem};
use charming::element::{AxisType, ItemStyle, LineStyle, LineStyleType, Tooltip, Trigger};
use charming::series::{Bar, Line};
use charming::Chart;

/// A chart's value: yuan for money (ECharts has no notion of minor units), counts as they are.
pub fn chart_value(metric: Metric, amount: i64) -> f64 {
    if metric.is_money() {
        amount as f64 / 100.0
    } else {
        amount as f64
    }
}

/// ECharts leaves a gap where a series has "-".
fn gap() -> DataPoint {
    DataPoint::from("-")
}

pub struct BurnUpLabels {
    pub target: String,
    pub actual: String,
    pub forecast: String,
    pub months: Vec<String>,
}

/// Cumulative target (a line), actual to date (solid) and the run-rate forecast to December (dashed).
pub fn burn_up_chart(burn: &BurnUp, metric: Metric, labels: BurnUpLabels) -> Chart {
    let months = labels.months.len();
    let series = |values: &[i64], offset: usize| -> Vec<DataPoint> {
        (0..months)
            .map(|m| {
                m.checked_sub(offset)
                    .and_then(|i| values.get(i))
                    .map_or_else(gap, |v| DataPoint::from(chart_value(metric, *v)))
            })
            .collect()
    };
    let forecast_from = months.saturating_sub(burn.forecast.len());
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().bottom(0))
        .grid(
            Grid::new()
                .left(8)
                .right(16)
                .top(16)
                .bottom(40)
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Category).data(labels.months))
        .y_axis(Axis::new().type_(AxisType::Value))
        .series(
            Line::new()
                .name(labels.target)
                .data(series(&burn.target, 0))
                .item_style(ItemStyle::new().color(palette::GREY)),
        )
        .series(
            Line::new()
                .name(labels.actual)
                .data(series(&burn.actual, 0))
                .item_style(ItemStyle::new().color(palette::BLUE)),
        )
        .series(
            Line::new()
                .name(labels.forecast)
                .data(series(&burn.forecast, forecast_from))
                .item_style(ItemStyle::new().color(palette::AMBER))
                .line_style(LineStyle::new().type_(LineStyleType::Dashed)),
        )
}

pub fn light_colour(light: Light) -> &'static str {
    match light {
        Light::Green => palette::GREEN,
        Light::Amber => palette::AMBER,
        Light::Red => palette::RED,
        Light::NotStarted => palette::GREY,
    }
}

/// One bar per member: achievement in percent, coloured by its traffic light. The first member
/// is drawn at the top, as in the table.
pub fn achievement_chart(children: &[ChildProgress], series_name: String) -> Chart {
    let names: Vec<String> = children.iter().rev().map(|c| c.label.clone()).collect();
    let bars: Vec<DataPoint> = children
        .iter()
        .rev()
        .map(|c| {
            let percent = c
                .progress
                .achievement_permille
                .map_or(0.0, |p| p as f64 / 10.0);
            DataPointItem::new(percent)
                .item_style(ItemStyle::new().color(light_colour(c.progress.light)))
                .into()
        })
        .collect();
    Chart::new()
        .tooltip(
            Tooltip::new()
                .trigger(Trigger::Axis)
                .value_formatter("{value}%"),
        )
        .grid(
            Grid::new()
                .left(8)
                .right(24)
                .top(8)
                .bottom(8)
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Value))
        .y_axis(Axis::new().type_(AxisType::Category).data(names))
        .series(Bar::new().name(series_name).data(bars))
}

/// The achievement chart's height: room for every member's bar.
pub fn achievement_chart_height(members: usize) -> u32 {
    40 + 28 * members.max(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::targets::{progress, ProgressInput};

    fn json(chart: &Chart) -> serde_json::Value {
        serde_json::from_str(&chart.to_string()).unwrap()
    }

    #[test]
    fn burn_up_shows_yuan_and_starts_the_forecast_at_the_current_month() {
        let burn = BurnUp {
            target: vec![100_00, 200_00, 300_00],
            actual: vec![50_00, 150_00],
            forecast: vec![150_00, 225_00],
        };
        let labels = BurnUpLabels {
            target: "T".into(),
            actual: "A".into(),
            forecast: "F".into(),
            months: vec!["1".into(), "2".into(), "3".into()],
        };
        let options = json(&burn_up_chart(&burn, Metric::Sales, labels));
        assert_eq!(
            options["series"][0]["data"],
            serde_json::json!([100.0, 200.0, 300.0])
        );
        assert_eq!(
            options["series"][1]["data"],
            serde_json::json!([50.0, 150.0, "-"])
        );
        assert_eq!(
            options["series"][2]["data"],
            serde_json::json!(["-", 150.0, 225.0])
        );
        assert_eq!(options["series"][2]["lineStyle"]["type"], "dashed");
    }

    #[test]
    fn counts_are_not_divided() {
        assert_eq!(chart_value(Metric::NewCustomers, 7), 7.0);
        assert_eq!(chart_value(Metric::Sales, 1234), 12.34);
    }

    #[test]
    fn achievement_bars_are_coloured_by_light_with_the_first_member_on_top() {
        let child = |label: &str, actual| {
            let p = progress(
                Metric::Sales,
                ProgressInput {
                    target: 1000,
                    actual,
                    period_days: 30,
                    elapsed_days: 30,
                    weighted_pipeline: 0,
                    win_rate_permille: None,
                    average_deal: None,
                },
            );
            ChildProgress {
                node: format!("user:{label}"),
                label: label.into(),
                progress: p,
            }
        };
        let children = [child("甲", 1000), child("乙", 200)];
        let options = json(&achievement_chart(&children, "达成率".into()));
        assert_eq!(options["yAxis"]["data"], serde_json::json!(["乙", "甲"]));
        assert_eq!(options["series"][0]["data"][1]["value"], 100.0);
        assert_eq!(
            options["series"][0]["data"][1]["itemStyle"]["color"],
            palette::GREEN
        );
        assert_eq!(
            options["series"][0]["data"][0]["itemStyle"]["color"],
            palette::RED
        );
    }
}
