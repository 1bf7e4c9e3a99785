//! Charts: ECharts options are built with charming on either side and drawn only in the browser.
//!
//! The ECharts library (about 270 KB compressed) is fetched from the site's own assets the first
//! time a page shows a chart, so pages without charts never pay for it. Every chart has a table
//! beside it with the same figures: the chart is the picture, the table the record (and what a
//! screen reader or a browser without JavaScript gets).
use charming::Chart;
use leptos::prelude::*;

/// Where the build puts `echarts.min.js` (copied from npm's `echarts` into the site assets).
pub const ECHARTS_SRC: &str = "/vendor/echarts.min.js";

/// The colours of the traffic lights and ABC classes, shared by charts and CSS (style/main.css).
pub mod palette {
    pub const GREEN: &str = "#2f9e6e";
    pub const AMBER: &str = "#d9932b";
    pub const RED: &str = "#d64545";
    pub const BLUE: &str = "#2f6fde";
    pub const GREY: &str = "#8a94a6";
}

/// A chart drawn into a box of the given height; its width follows the page (phones included).
#[component]
pub fn ChartView(
    /// Names the box for tests and links.
    #[prop(into)]
    id: String,
    /// What the chart shows, for screen readers.
    #[prop(into)]
    label: Signal<String>,
    /// Read only in the browser (the server renders the empty box), and again when it changes,
    /// e.g. on a language switch.
    #[prop(into)]
    chart: Signal<Chart>,
    #[prop(default = 300)] height: u32,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    browser::draw_when_ready(node, chart);
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! {
        <div id=id node_ref=node class="chart" role="img" aria-label=label style=format!("height:{height}px") data-chart=""></div>
    }
}

/// A chart and, folded beneath it, the table with the same figures (`children`: the table).
#[component]
pub fn ChartWithTable(
    #[prop(into)] id: String,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] chart: Signal<Chart>,
    #[prop(default = 300)] height: u32,
    children: Children,
) -> impl IntoView {
    view! {
        <ChartView id label chart height />
        <details class="chart-table">
            <summary>{crate::i18n::tr(|t| t.targets.table)}</summary>
            <div class="table-wrap">{children()}</div>
        </details>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::ECHARTS_SRC;
    use charming::{Chart, Echarts, WasmRenderer};
    use wasm_bindgen::prelude::wasm_bindgen;

    #[wasm_bindgen]
    extern "C" {
        // charming's renderer finds its box by id; while a page swaps in new content the old box
        // with the same id may still be in the document, so the element itself is passed.
        #[wasm_bindgen(js_namespace = echarts, js_name = init)]
        fn init(element: &web_sys::HtmlElement) -> Echarts;
    }
    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    const SCRIPT_ID: &str = "echarts-library";

    thread_local! {
        // Outlives every page: the library is loaded once per tab.
        static LOADED: ArcRwSignal<bool> = ArcRwSignal::new(false);
    }

    /// True once `window.echarts` exists; the first call starts loading it (tracked, so an effect
    /// that asks reruns when it arrives).
    fn echarts_ready() -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        if js_sys::Reflect::has(&window, &JsValue::from_str("echarts")).unwrap_or(false) {
            return true;
        }
        let loaded = LOADED.with(Clone::clone);
        if !loaded.get() {
            inject_script_once(&window, loaded.clone());
        }
        loaded.get()
    }

    fn inject_script_once(window: &web_sys::Window, loaded: ArcRwSignal<bool>) {
        let Some(document) = window.document() else {
            return;
        };
        if document.get_element_by_id(SCRIPT_ID).is_some() {
            return;
        }
        let Ok(script) = document.create_element("script") else {
            return;
        };
        script.set_id(SCRIPT_ID);
        let _ = script.set_attribute("src", ECHARTS_SRC);
        let on_load = Closure::<dyn FnMut()>::new(move || loaded.set(true));
        let _ = script.add_event_listener_with_callback("load", on_load.as_ref().unchecked_ref());
        on_load.forget();
        if let Some(head) = document.head() {
            let _ = head.append_child(&script);
        }
    }

    fn call_method(instance: &Echarts, name: &str) {
        let target: &JsValue = instance.as_ref();
        if let Ok(method) = js_sys::Reflect::get(target, &JsValue::from_str(name)) {
            if let Some(method) = method.dyn_ref::<js_sys::Function>() {
                let _ = method.call0(target);
            }
        }
    }

    pub fn draw_when_ready(node: NodeRef<leptos::html::Div>, chart: Signal<Chart>) {
        let instance = StoredValue::new_local(None::<Echarts>);
        // The box's size, not the window's: a page swapped in by the router can draw its chart
        // before the box is laid out (zero wide), and phones rotate.
        let observer =
            StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
        Effect::new(move |_| {
            let Some(element) = node.get() else { return };
            if !echarts_ready() {
                return;
            }
            let chart = chart.get();
            instance.update_value(|drawn| {
                let existing = drawn.get_or_insert_with(|| init(&element));
                WasmRenderer::update(existing, &chart);
            });
            if observer.with_value(Option::is_none) {
                let on_resize = Closure::<dyn FnMut()>::new(move || {
                    instance.try_with_value(|drawn| {
                        drawn
                            .as_ref()
                            .map(|existing| call_method(existing, "resize"))
                    });
                });
                if let Ok(watcher) =
                    web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref())
                {
                    watcher.observe(&element);
                    observer.set_value(Some((watcher, on_resize)));
                }
            }
        });
        on_cleanup(move || {
            observer.try_with_value(|watching| {
                watching.as_ref().map(|(watcher, _)| watcher.disconnect())
            });
            instance.try_with_value(|drawn| {
                drawn
                    .as_ref()
                    .map(|existing| call_method(existing, "dispose"))
            });
        });
    }
}
