/* This file is part of the pharma suite. See README.md for license terms.

   The suite's additions to the web client (tryton-sao 8.0), loaded by its
   index.html as custom.js (`make sao` links this file next to it).  Each
   one works around a behaviour of sao that made users lose work. */
(function() {
    'use strict';

    /* A selection widget redraws its options on each display and selects
       the record's value one tick later (jQuery 3 runs `then` callbacks
       asynchronously).  A button clicked right after typing in another
       field (the blur redisplays the form) read the first option in
       between: the order's invoice method was changed behind the user's
       back and the server refused the approval, or the form asked to save
       a change nobody made.  While the options are redrawn, the widget
       keeps the record's value. */
    var Selection = Sao.View.Form.Selection;
    var display_update_selection =
        Selection.prototype.display_update_selection;
    Selection.prototype.display_update_selection = function() {
        this.pharma_redrawing = (this.pharma_redrawing || 0) + 1;
        var prm = display_update_selection.apply(this, arguments);
        var done = () => {
            this.pharma_redrawing -= 1;
        };
        if (prm && prm.always) {
            prm.always(done);
        } else {
            done();
        }
        return prm;
    };
    var set_value = Selection.prototype.set_value;
    Selection.prototype.set_value = function() {
        if (this.pharma_redrawing) {
            return;
        }
        return set_value.apply(this, arguments);
    };
    var modified = Object.getOwnPropertyDescriptor(
        Selection.prototype, 'modified');
    if (modified && modified.get) {
        Object.defineProperty(Selection.prototype, 'modified', {
            get: function() {
                if (this.pharma_redrawing) {
                    return false;
                }
                return modified.get.call(this);
            },
            configurable: true,
        });
    }

    /* A button in a list row acted only on the current row: the first
       click on another row's button only selected the row.  The click now
       selects the row and runs its button. */
    var ButtonColumn = Sao.View.Tree.ButtonColumn;
    var button_clicked = ButtonColumn.prototype.button_clicked;
    ButtonColumn.prototype.button_clicked = function(event) {
        var record = event.data[0];
        var view = this.view;
        if (record != view.screen.current_record) {
            var row = (view.rows || []).find(function(row) {
                return row.record == record;
            });
            if (row && view.select_records && row.set_selection) {
                view.select_records(null, null);
                row.set_selection(true);
                row.selection_changed();
            }
            if (record != view.screen.current_record) {
                return true;
            }
        }
        return button_clicked.call(this, event);
    };
}());
