//! The audit log's words in both languages.
use crate::domain::format::Locale;

pub struct AuditTexts {
    pub title: &'static str,
    pub link: &'static str,
    pub hint: &'static str,
    pub empty: &'static str,
    pub at: &'static str,
    pub actor: &'static str,
    pub address: &'static str,
    pub action: &'static str,
    pub record: &'static str,
    pub record_id: &'static str,
    pub kind: &'static str,
    pub any: &'static str,
    /// After the name of someone who has left.
    pub inactive: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub search: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    pub actions: [(&'static str, &'static str); 12],
    pub kinds: [(&'static str, &'static str); 6],
}

impl AuditTexts {
    pub fn action_label(&self, action: &str) -> &'static str {
        self.actions
            .iter()
            .find(|(key, _)| *key == action)
            .map_or("", |(_, label)| label)
    }

    pub fn kind_label(&self, kind: &str) -> &'static str {
        self.kinds
            .iter()
            .find(|(key, _)| *key == kind)
            .map_or("", |(_, label)| label)
    }
}

pub fn texts(locale: Locale) -> &'static AuditTexts {
    match locale {
        Locale::ZhCn => &ZH_CN,
        Locale::En => &EN,
    }
}

const ZH_CN: AuditTexts = AuditTexts {
    title: "审计日志",
    link: "审计日志",
    hint: "每一项重要变更：谁、何时、从哪个地址、改了什么（改前与改后）。日志只增不改，最多显示最近 500 条。",
    empty: "没有符合条件的记录。",
    at: "时间",
    actor: "操作人",
    address: "地址",
    action: "操作",
    record: "对象",
    record_id: "对象编号",
    kind: "对象类型",
    any: "全部",
    inactive: "（已停用）",
    from: "开始日期",
    to: "结束日期",
    search: "查询",
    before: "改前",
    after: "改后",
    actions: [
        ("customer_merged", "合并客户"),
        ("customer_reassigned", "客户转交"),
        ("user_role_changed", "人员角色或归属变更"),
        ("user_deactivated", "启用或停用账号"),
        ("password_changed", "修改密码"),
        ("sessions_revoked", "退出其他设备"),
        ("list_exported", "导出列表"),
        ("import_committed", "导入数据"),
        ("target_published", "发布目标"),
        ("sales_settings_changed", "销售设置变更"),
        ("company_settings_changed", "公司设置变更"),
        ("demo_loaded", "载入演示数据"),
    ],
    kinds: [("customer", "客户"), ("user", "人员"), ("target_plan", "目标"), ("import", "导入"), ("export", "导出"), ("setting", "设置")],
};

const EN: AuditTexts = AuditTexts {
    title: "Audit log",
    link: "Audit log",
    hint: "Every change that matters: who, when, from which address, and what changed (before and after). The log is append-only; the latest 500 entries are shown.",
    empty: "No entries match.",
    at: "When",
    actor: "Who",
    address: "Address",
    action: "Action",
    record: "Record",
    record_id: "Record id",
    kind: "Record type",
    any: "Any",
    inactive: " (left)",
    from: "From",
    to: "To",
    search: "Search",
    before: "Before",
    after: "After",
    actions: [
        ("customer_merged", "Customers merged"),
        ("customer_reassigned", "Customer reassigned"),
        ("user_role_changed", "Role or team changed"),
        ("user_deactivated", "Account activated or deactivated"),
        ("password_changed", "Password changed"),
        ("sessions_revoked", "Other sessions signed out"),
        ("list_exported", "List exported"),
        ("import_committed", "Data imported"),
        ("target_published", "Targets published"),
        ("sales_settings_changed", "Sales settings changed"),
        ("company_settings_changed", "Company settings changed"),
        ("demo_loaded", "Demo data loaded"),
    ],
    kinds: [("customer", "Customer"), ("user", "Person"), ("target_plan", "Target plan"), ("import", "Import"), ("export", "Export"), ("setting", "Setting")],
};
