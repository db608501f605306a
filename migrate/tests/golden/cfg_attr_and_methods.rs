use legacy_cache::cache;

pub struct Repo;

impl Repo {
    #[cache(persist = true)]
    pub fn get(&self, id: u32) -> Vec<u8> {
        vec![id as u8]
    }

    #[cfg_attr(feature = "caching", cache(max_entries = 3, suppress_st_warning = true))]
    pub fn maybe(&self, id: u32) -> u32 {
        id
    }

    #[cfg_attr(all(), legacy_cache::cache(allow_output_mutation = true), inline)]
    pub fn shared(&self) -> Vec<u8> {
        vec![]
    }
}

#[cfg_attr(not(test), cache)]
pub fn top() -> u8 {
    0
}
