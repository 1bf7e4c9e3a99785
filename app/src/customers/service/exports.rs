//! The customer list, the agenda and the ladder as tables for export.
use super::*;

/// The filtered list as a table for export (every matching customer the actor may see, in the
/// list's order, up to `exports::EXPORT_LIMIT`), headed in `locale`.
pub async fn export(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &CustomerFilter,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let sort = CustomerSort::parse(&filter.sort).unwrap_or(CustomerSort::Updated);
    let rows = order_page(
        filtered(db, actor, filter, true, crate::clock::now()).await?,
        sort,
    )
    .limit(crate::exports::EXPORT_LIMIT)
    .all(db)
    .await?;
    let owners = names_of(db, rows.iter().filter_map(|c| c.owner_id)).await?;
    let t = crate::i18n::texts(locale);
    let c = &t.customers;
    let headers = [
        c.name,
        c.short_name,
        c.stage,
        c.owner,
        c.phone,
        c.province,
        c.city,
        c.street,
        c.industry,
        c.source,
        c.tags,
        c.last_follow_up,
        t.imports.match_choices[0],
    ];
    let local_day = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(crate::clock::local_day);
    Ok(crate::exports::ExportTable {
        sheet: t.nav_customers.to_string(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .map(|row| {
                let source = Source::parse(&row.source)
                    .map(|s| c.sources[s.index()].to_string())
                    .unwrap_or_default();
                vec![
                    Cell::Text(row.name.clone()),
                    Cell::Text(row.short_name.clone()),
                    Cell::Text(c.stages[stage_of(&row).index()].to_string()),
                    Cell::Text(
                        row.owner_id
                            .and_then(|id| owners.get(&id).cloned())
                            .unwrap_or_else(|| c.no_owner.to_string()),
                    ),
                    Cell::Text(row.phone.clone()),
                    Cell::Text(row.province.clone()),
                    Cell::Text(row.city.clone()),
                    Cell::Text(row.street.clone()),
                    Cell::Text(row.industry.clone()),
                    Cell::Text(source),
                    Cell::Text(tags_of(&row).join("，")),
                    Cell::Date(local_day(row.last_follow_up_at)),
                    Cell::Text(row.external_id.clone().unwrap_or_default()),
                ]
            })
            .collect(),
    })
}

/// Open next steps (overdue, today, the coming week) as a table for export.
pub async fn export_agenda(
    db: &impl ConnectionTrait,
    actor: &Actor,
    today: chrono::NaiveDate,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let found = agenda(db, actor, today).await?;
    let t = crate::i18n::texts(locale);
    let c = &t.customers;
    let sections = [
        (c.overdue, found.overdue),
        (c.due_today, found.today),
        (c.upcoming, found.upcoming),
    ];
    Ok(crate::exports::ExportTable {
        sheet: c.follow_ups.to_string(),
        headers: [t.status, c.next_date, c.name, c.next_action, c.owner]
            .iter()
            .map(|h| h.to_string())
            .collect(),
        rows: sections
            .into_iter()
            .flat_map(|(section, items)| {
                items.into_iter().map(move |item| {
                    vec![
                        Cell::Text(section.to_string()),
                        Cell::Date(Some(item.next_date)),
                        Cell::Text(item.customer_name),
                        Cell::Text(item.next_action),
                        Cell::Text(item.author_name),
                    ]
                })
            })
            .collect(),
    })
}

/// Customers per ladder stage for each person, as a table for export.
pub async fn export_ladder(
    db: &impl ConnectionTrait,
    actor: &Actor,
    locale: crate::domain::format::Locale,
) -> AppResult<crate::exports::ExportTable> {
    use crate::exports::Cell;
    let breakdown = ladder_breakdown(db, actor).await?;
    let t = crate::i18n::texts(locale);
    let c = &t.customers;
    let mut headers = vec![c.rep.to_string(), t.team.to_string()];
    headers.extend(
        LadderStage::ALL
            .iter()
            .map(|s| c.stages[s.index()].to_string()),
    );
    headers.push(c.all.to_string());
    Ok(crate::exports::ExportTable {
        sheet: c.ladder.to_string(),
        headers,
        rows: breakdown
            .rows
            .into_iter()
            .map(|row| {
                let mut cells = vec![
                    Cell::Text(row.owner_name),
                    Cell::Text(row.team_name.unwrap_or_default()),
                ];
                cells.extend(row.counts.iter().map(|&n| Cell::Number(n as i64)));
                cells.push(Cell::Number(row.counts.iter().sum::<u64>() as i64));
                cells
            })
            .collect(),
    })
}
