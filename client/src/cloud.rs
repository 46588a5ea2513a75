//! The Partner Center clouds: where each one's API lives and where its tokens come from.

use std::fmt;
use std::str::FromStr;

const GLOBAL_API: &str = "https://api.partnercenter.microsoft.com";
const CHINA_API: &str = "https://partner.partnercenterapi.microsoftonline.cn";

/// A Partner Center cloud.
///
/// Global, US Government and (retired) Germany share one API host and differ only in their
/// Azure AD authority; China is operated by 21Vianet on its own host.
///
/// ```
/// use partner_center_client::Cloud;
///
/// assert_eq!(Cloud::China.base_url(), "https://partner.partnercenterapi.microsoftonline.cn");
/// assert_eq!(Cloud::UsGovernment.authority(), "https://login.microsoftonline.us/");
/// assert_eq!(Cloud::Global.token_scope(), "https://api.partnercenter.microsoft.com/.default");
/// assert_eq!("china".parse::<Cloud>().unwrap(), Cloud::China);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Cloud {
    /// Partner Center (global).
    #[default]
    Global,
    /// Partner Center operated by 21Vianet.
    China,
    /// Partner Center for Microsoft Cloud for US Government.
    UsGovernment,
    /// Partner Center for Microsoft Cloud Germany (retired; no new customers).
    Germany,
}

impl Cloud {
    /// Every cloud, for listings and tests.
    pub const ALL: [Cloud; 4] = [Cloud::Global, Cloud::China, Cloud::UsGovernment, Cloud::Germany];

    /// The REST API base URL (no trailing slash).
    pub const fn base_url(self) -> &'static str {
        match self {
            Cloud::China => CHINA_API,
            Cloud::Global | Cloud::UsGovernment | Cloud::Germany => GLOBAL_API,
        }
    }

    /// The Azure AD authority that issues tokens for this cloud (with a trailing slash).
    pub const fn authority(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com/",
            Cloud::China => "https://login.chinacloudapi.cn/",
            Cloud::UsGovernment => "https://login.microsoftonline.us/",
            Cloud::Germany => "https://login.microsoftonline.de/",
        }
    }

    /// The token audience (v1 `resource`): the cloud's API host.
    pub const fn resource(self) -> &'static str {
        self.base_url()
    }

    /// The v2 scope to request an app-only token with: `{resource}/.default`.
    pub fn token_scope(self) -> String {
        format!("{}/.default", self.resource())
    }

    /// The v2 scope for app+user (delegated) tokens: `{resource}/user_impersonation`.
    pub fn user_impersonation_scope(self) -> String {
        format!("{}/user_impersonation", self.resource())
    }

    /// Whether the cloud was retired (Microsoft Cloud Germany, October 2021): it is kept so a
    /// configuration naming it gets that reason, not "unknown cloud".
    pub const fn is_retired(self) -> bool {
        matches!(self, Cloud::Germany)
    }

    /// The lower-case name `FromStr` accepts.
    pub const fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::China => "china",
            Cloud::UsGovernment => "us-government",
            Cloud::Germany => "germany",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A cloud name that is not one of `global`, `china`, `us-government`, `germany`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Partner Center cloud `{0}`: expected global, china, us-government or germany")]
pub struct UnknownCloud(String);

impl FromStr for Cloud {
    type Err = UnknownCloud;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "global" | "public" => Ok(Cloud::Global),
            "china" | "21vianet" => Ok(Cloud::China),
            "us-government" | "usgovernment" | "usgov" => Ok(Cloud::UsGovernment),
            "germany" => Ok(Cloud::Germany),
            _ => Err(UnknownCloud(s.chars().take(64).collect())),
        }
    }
}
