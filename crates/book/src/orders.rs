//! The book's order list: a persistent vector, so cloning a book of a million orders is O(1) and
//! a change copies only the path to the changed order (the API's writer clones the book once per
//! group commit; readers keep the previous clone).

use crate::Order;

/// Merchant orders in placement order; index with an `OrderIdx`'s number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderList(imbl::Vector<Order>);

impl OrderList {
    /// Number of orders.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The orders in placement order.
    pub fn iter(&self) -> imbl::vector::Iter<'_, Order, imbl::shared_ptr::DefaultSharedPtr> {
        self.0.iter()
    }

    /// Order `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&Order> {
        self.0.get(i)
    }

    /// The orders as a `Vec` (a copy).
    pub fn to_vec(&self) -> Vec<Order> {
        self.0.iter().cloned().collect()
    }

    /// Moves every order of `other` to the end of this list (the persistent vector joins the
    /// two without copying them one by one).
    pub fn append(&mut self, other: OrderList) {
        self.0.append(other.0);
    }

    /// A walk that finds orders by id in the list's own order (a plan lists its promises so);
    /// see [`InOrder::find`].
    pub(crate) fn in_order(&self) -> InOrder<'_> {
        InOrder(self.0.iter().enumerate())
    }

    pub(crate) fn push(&mut self, o: Order) {
        self.0.push_back(o);
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> &mut Order {
        &mut self.0[i]
    }
}

/// Finds orders by id for ids listed in the orders' own order, with no lookup by id.
pub(crate) struct InOrder<'a>(
    std::iter::Enumerate<imbl::vector::Iter<'a, Order, imbl::shared_ptr::DefaultSharedPtr>>,
);

impl InOrder<'_> {
    /// The index of the order `key` if it comes after the last one found. Once an id is not
    /// found the walk is spent, and every later call is `None`: the caller then looks ids up
    /// by index.
    pub(crate) fn find(&mut self, key: &str) -> Option<u32> {
        self.0.find(|(_, o)| o.key == key).map(|(i, _)| i as u32)
    }
}

impl std::ops::Index<usize> for OrderList {
    type Output = Order;
    fn index(&self, i: usize) -> &Order {
        &self.0[i]
    }
}

/// Builds the list straight from orders (a snapshot decoder streams them in without an
/// intermediate `Vec`); [`crate::Book::restore`] checks them.
impl FromIterator<Order> for OrderList {
    fn from_iter<I: IntoIterator<Item = Order>>(iter: I) -> Self {
        OrderList(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a OrderList {
    type Item = &'a Order;
    type IntoIter = imbl::vector::Iter<'a, Order, imbl::shared_ptr::DefaultSharedPtr>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
