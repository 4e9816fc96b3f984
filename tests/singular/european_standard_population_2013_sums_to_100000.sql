-- Fails unless the European Standard Population 2013 weights add up to 100,000 people: a
-- band typed wrong would skew every standardised rate.
select sum(standard_population) as standard_population
from {{ ref('european_standard_population_2013') }}
having sum(standard_population) <> 100000
