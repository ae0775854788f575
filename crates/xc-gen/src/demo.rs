//! The demo logins: one account per role of SPEC C0, all with [`DEMO_PASSWORD`], so that a person
//! trying the demo city can see every role's view. They are the only accounts the generator
//! creates with a password (hashing a password for each of a million learners would take hours).

use xc_domain::Role;

/// The password of every demo login. Public on purpose: the demo city holds no real people.
pub const DEMO_PASSWORD: &str = "xuecheng-demo";

/// One demo account: its user name, its role and, in words, what it is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: &'static str,
    pub role: Role,
    pub scope: &'static str,
    /// The name the account is shown by (the citizen takes the name of the learner it is linked
    /// to instead).
    pub display_name: &'static str,
}

/// The demo logins [`crate::generate`] creates, in the order it creates them.
pub fn demo_logins() -> Vec<DemoLogin> {
    vec![
        DemoLogin {
            username: "demo-citizen",
            role: Role::Citizen,
            scope: "their own learner account: the first generated learner (learner 1)",
            display_name: "演示市民",
        },
        DemoLogin {
            username: "demo-provider",
            role: Role::ProviderStaff,
            scope: "the institution of the first community school (the first subdistrict's)",
            display_name: "演示社区学校工作人员",
        },
        DemoLogin {
            username: "demo-bank",
            role: Role::CreditBankStaff,
            scope: "the credit bank, city-wide",
            display_name: "演示学分银行工作人员",
        },
        DemoLogin {
            username: "demo-district",
            role: Role::DistrictAdmin,
            scope: "the first generated district (310101 黄浦区)",
            display_name: "演示区管理员",
        },
        DemoLogin {
            username: "demo-admin",
            role: Role::CityAdmin,
            scope: "the whole city",
            display_name: "演示市管理员",
        },
        DemoLogin {
            username: "demo-auditor",
            role: Role::Auditor,
            scope: "the whole city, read-only",
            display_name: "演示审计员",
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_valid_login_per_role() {
        let logins = demo_logins();
        for role in Role::ALL {
            assert_eq!(
                logins.iter().filter(|l| l.role == role).count(),
                1,
                "{role:?}"
            );
        }
        for login in &logins {
            xc_domain::Username::parse(login.username).unwrap();
        }
        xc_domain::Password::parse(DEMO_PASSWORD).unwrap();
    }
}
