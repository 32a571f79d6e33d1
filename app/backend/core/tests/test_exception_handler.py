from core.exception_handler import flatten_errors


class FlattenErrorsTests:
    def test_nested_serializer_errors_become_dotted_field_names(self):
        detail = {
            "items": [{}, {"quantity": ["Too many."]}],
            "billing_address": {"postal_code": ["This field is required."]},
            "payment": {"non_field_errors": ["Pick one."]},
        }
        assert flatten_errors(detail) == {
            "items.1.quantity": ["Too many."],
            "billing_address.postal_code": ["This field is required."],
            "payment": ["Pick one."],
        }

    def test_top_level_non_field_errors_keep_their_name(self):
        assert flatten_errors({"non_field_errors": ["Nope."]}) == {"non_field_errors": ["Nope."]}
