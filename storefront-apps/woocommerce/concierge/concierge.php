<?php
/**
 * Plugin Name:       Concierge
 * Plugin URI:        https://github.com/concierge-kit/concierge
 * Description:       AI shop assistant and appointment booking for your site. Adds the Concierge chat widget and connects your WooCommerce store in one click.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Concierge
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       concierge
 * Domain Path:       /languages
 *
 * @package Concierge
 */

defined( 'ABSPATH' ) || exit;

define( 'CONCIERGE_VERSION', '0.1.0' );
define( 'CONCIERGE_PLUGIN_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-concierge-options.php';
require_once __DIR__ . '/includes/class-concierge-api.php';
require_once __DIR__ . '/includes/class-concierge-frontend.php';
require_once __DIR__ . '/includes/class-concierge-settings.php';
require_once __DIR__ . '/includes/class-concierge-privacy.php';

add_action(
	'init',
	static function () {
		load_plugin_textdomain( 'concierge', false, dirname( plugin_basename( CONCIERGE_PLUGIN_FILE ) ) . '/languages' );
	}
);

Concierge_Frontend::register();
Concierge_Privacy::register();
if ( is_admin() ) {
	Concierge_Settings::register();
}

// Deactivation keeps every setting (the merchant may turn the plugin on again); uninstall.php removes them.
register_deactivation_hook( __FILE__, array( 'Concierge_Options', 'on_deactivate' ) );
