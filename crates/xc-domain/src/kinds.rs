//! The closed vocabularies of the platform: kinds of learning site, institution, teacher,
//! subdistrict and neighbourhood, learning topics, gender. Each has a stable code (stored and used
//! in the API) and its Chinese and English names.

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code used in storage and the API.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub const fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh,)+
                }
            }

            pub const fn label_en(self) -> &'static str {
                match self {
                    $($name::$variant => $en,)+
                }
            }

            /// Parses the stable code (surrounding spaces ignored).
            pub fn parse(text: &str) -> Result<Self, crate::Invalid> {
                match text.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(crate::Invalid::new(
                        $field,
                        format!(
                            "'{other}' is not one of: {}",
                            [$($code,)+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl $name {
            /// Parses what a person writes in a form or a spreadsheet: the stable code, the
            /// Chinese name or the English name (ASCII case, full-width letters and surrounding
            /// spaces ignored).
            pub fn parse_written(text: &str) -> Result<Self, crate::Invalid> {
                let folded = crate::credit::text::fold_full_width(text);
                let folded = folded.trim();
                Self::ALL
                    .iter()
                    .find(|v| {
                        v.as_str().eq_ignore_ascii_case(folded)
                            || v.label_zh() == folded
                            || v.label_en().eq_ignore_ascii_case(folded)
                    })
                    .copied()
                    .ok_or_else(|| {
                        crate::Invalid::new(
                            $field,
                            format!(
                                "'{folded}' is not one of: {}",
                                Self::ALL
                                    .iter()
                                    .map(|v| format!("{} ({})", v.label_zh(), v.as_str()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Invalid;
            fn from_str(text: &str) -> Result<Self, crate::Invalid> {
                Self::parse(text)
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// Kinds of learning site on the learning map (SPEC C6).
    SiteKind, "kind" {
        CommunityCollege => "community_college", "社区学院", "Community college";
        CommunitySchool => "community_school", "社区学校", "Community school";
        ElderUniversity => "elder_university", "老年大学", "Elder university";
        LearningPoint => "learning_point", "居村委学习点", "Neighbourhood learning point";
        CareAndLearningPoint => "care_and_learning_point", "养教结合学习点", "Care-and-learning point";
        SocialLearningPoint => "social_learning_point", "社会学习点", "Social learning point";
        ExperienceBase => "experience_base", "体验基地", "Experience base";
        Library => "library", "图书馆", "Library";
        Museum => "museum", "博物馆", "Museum";
        OpenUniversity => "open_university", "开放大学", "Open university";
    }
);

vocabulary!(
    /// Kinds of institution that teach or host learning (办学机构).
    InstitutionKind, "kind" {
        CommunityCollege => "community_college", "社区学院", "Community college";
        CommunitySchool => "community_school", "社区学校", "Community school";
        ElderUniversity => "elder_university", "老年大学", "Elder university";
        OpenUniversity => "open_university", "开放大学", "Open university";
        TrainingOrganisation => "training_organisation", "培训机构", "Training organisation";
        Library => "library", "图书馆", "Library";
        Museum => "museum", "博物馆", "Museum";
        Employer => "employer", "企业", "Employer";
        CreditBank => "credit_bank", "学分银行", "Credit bank";
    }
);

vocabulary!(
    /// How a teacher serves (师资库).
    TeacherKind, "kind" {
        FullTime => "full_time", "专职教师", "Full-time teacher";
        PartTime => "part_time", "兼职教师", "Part-time teacher";
        Volunteer => "volunteer", "志愿者", "Volunteer";
    }
);

vocabulary!(
    /// Topics of learning, as the seeds group community education (SPEC C7).
    Topic, "topic" {
        PoliticsAndCivics => "politics_civics", "思政与公民素养", "Politics and civics";
        CultureAndArts => "culture_arts", "文化艺术", "Culture and arts";
        Health => "health", "健康养生", "Health";
        SmartLiving => "smart_living", "智慧生活", "Smart living and digital skills";
        VocationalSkills => "vocational_skills", "职业技能", "Vocational skills";
        FamilyEducation => "family_education", "家庭教育", "Family education";
        HistoryAndHeritage => "history_heritage", "历史与人文", "History and heritage";
        Languages => "languages", "语言学习", "Languages";
    }
);

vocabulary!(
    /// The kind of a subdistrict-level division.
    SubdistrictKind, "kind" {
        Street => "street", "街道", "Street (jiedao)";
        Town => "town", "镇", "Town";
        Township => "township", "乡", "Township";
        Zone => "zone", "园区/农场", "Zone, farm or park";
    }
);

vocabulary!(
    /// Urban residents' committee or village committee.
    NeighbourhoodKind, "kind" {
        Residents => "residents", "居委会", "Residents' committee";
        Village => "village", "村委会", "Village committee";
    }
);

vocabulary!(
    /// Gender as recorded on the ID card.
    Gender, "gender" {
        Female => "female", "女", "Female";
        Male => "male", "男", "Male";
    }
);

impl SubdistrictKind {
    /// Classifies a subdistrict by the ending of its official name.
    pub fn from_name(name: &str) -> Self {
        if name.ends_with("街道") {
            Self::Street
        } else if name.ends_with('镇') {
            Self::Town
        } else if name.ends_with('乡') {
            Self::Township
        } else {
            Self::Zone
        }
    }
}

impl NeighbourhoodKind {
    pub fn from_name(name: &str) -> Self {
        if name.ends_with("村委会") || name.ends_with('村') {
            Self::Village
        } else {
            Self::Residents
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_names_parse_as_codes_chinese_or_english() {
        assert_eq!(
            SiteKind::parse_written(" 老年大学 "),
            SiteKind::parse_written("elder_university")
        );
        for kind in SiteKind::ALL {
            assert_eq!(SiteKind::parse_written(kind.as_str()).unwrap(), *kind);
            assert_eq!(SiteKind::parse_written(kind.label_zh()).unwrap(), *kind);
            assert_eq!(
                SiteKind::parse_written(&kind.label_en().to_uppercase()).unwrap(),
                *kind
            );
        }
        let fullwidth: String = Topic::SmartLiving
            .as_str()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(
            Topic::parse_written(&fullwidth).unwrap(),
            Topic::SmartLiving
        );
        let error = Topic::parse_written("烹饪大全").unwrap_err();
        assert!(
            error.reason.contains("'烹饪大全' is not one of"),
            "{}",
            error.reason
        );
        assert!(
            error.reason.contains("智慧生活 (smart_living)"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn every_code_round_trips() {
        for kind in SiteKind::ALL {
            assert_eq!(SiteKind::parse(kind.as_str()).unwrap(), *kind);
        }
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()).unwrap(), *topic);
        }
    }

    #[test]
    fn unknown_codes_list_the_choices() {
        let error = SiteKind::parse("cinema").unwrap_err();
        assert_eq!(error.field, "kind");
        assert!(
            error.reason.contains("community_school"),
            "{}",
            error.reason
        );
    }

    #[test]
    fn divisions_are_classified_by_name() {
        assert_eq!(
            SubdistrictKind::from_name("南京东路街道"),
            SubdistrictKind::Street
        );
        assert_eq!(
            SubdistrictKind::from_name("朱家角镇"),
            SubdistrictKind::Town
        );
        assert_eq!(
            SubdistrictKind::from_name("张江高科技园区"),
            SubdistrictKind::Zone
        );
        assert_eq!(
            NeighbourhoodKind::from_name("新桥居委会"),
            NeighbourhoodKind::Residents
        );
        assert_eq!(
            NeighbourhoodKind::from_name("沈巷村委会"),
            NeighbourhoodKind::Village
        );
    }
}
